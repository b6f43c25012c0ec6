/**
 * ccost serve's page in a real browser (Debian's chromium, driven by playwright-core): the numbers
 * on the page are the API's, it asks nothing of any other origin and logs no error, an appended line
 * shows within a second, the drill-down filters (an agent, then one of its sessions), and screenshots at a desktop and a phone size are
 * written to test-output/ for review. .ci/run installs chromium; without it, a loud skip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/paths.js';
import { getJson, startServe } from './helpers/serve.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `SKIPPED LOUDLY: no browser at ${CHROMIUM} (Debian package chromium; .ci/run installs it)`;
if (SKIP) process.stderr.write(`serve-browser.test: ${SKIP}\n`);

const root = mkdtempSync(join(tmpdir(), 'ccost-browser-test-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
const SHOTS = join(ROOT, 'test-output');

function usage(id: string, ts: number, agentSession: string, input: number, output: number, model = 'claude-sonnet-4-5-20250929'): string {
  return JSON.stringify({ type: 'assistant', timestamp: new Date(ts).toISOString(), sessionId: agentSession, requestId: `req_${id}`, message: { id, model, content: [{ type: 'text', text: 'x' }], usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: 5000 } } });
}

test('the page shows the API\'s numbers, stays on its origin, follows appends within a second, drills down', { skip: SKIP, timeout: 180_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const data = join(root, 'data');
  const now = Date.now();
  const files: string[] = [];
  for (const [folder, team] of [['-w-a', null], ['ccbox-agent1--w-a', 'red'], ['ccbox-agent2--w-b', 'blue']] as const) {
    const dir = join(data, 'projects', folder);
    mkdirSync(dir, { recursive: true });
    if (team) writeFileSync(join(dir, '.ccbox.json'), JSON.stringify({ instance: folder.split('--')[0]!.slice('ccbox-'.length), context: team, mode: 'isolated' }));
    const file = join(dir, 's.jsonl');
    files.push(file);
    // agent2 spends Opus on short answers: a finding for the page to show.
    const opus = folder === 'ccbox-agent2--w-b';
    const lines = Array.from({ length: 30 }, (_, i) => usage(`${folder}_${i}`, now - i * 3_600_000 * 7, `s-${folder}-${i % 3}`, 100 + i, opus ? 100 + i : 1000 + i * 10, opus ? 'claude-opus-4-6' : undefined));
    // One response 60 days back: more history than hour buckets may span.
    if (folder === '-w-a') lines.push(usage(`${folder}_old`, now - 60 * 86_400_000, 's-old', 100, 100));
    writeFileSync(file, lines.join('\n') + '\n');
  }
  const s = await startServe(['--dir', data, '--ledger', join(root, 'l.db'), '-z', 'UTC']);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    mkdirSync(SHOTS, { recursive: true });
    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      const page = await browser.newPage({ viewport: { width, height } });
      const errors: string[] = [];
      const foreign: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => {
        if (!r.url().startsWith(`${s.url}/`) && !r.url().startsWith('data:')) foreign.push(r.url());
      });
      const loaded = Date.now();
      const first = await page.goto(`${s.url}/`);
      await page.waitForSelector('body[data-ready="1"]');
      const ready = Date.now() - loaded;
      const bytes = Number((await first!.allHeaders())['content-length'] ?? 0);
      assert.ok(ready < 5000, `page ready in ${ready} ms`);
      // The page marks its first draw on its own clock, once (the bench reads it).
      const marks = await page.evaluate(() => performance.getEntriesByName('ccost-ready').map((m) => m.startTime));
      assert.equal(marks.length, 1);
      assert.ok(marks[0]! > 0 && marks[0]! <= ready, `marked at ${marks[0]} ms, seen at ${ready} ms`);
      assert.ok(bytes > 0);
      // The numbers on the page are the API's.
      const sum = await getJson(s.port, '/api/v1/summary');
      assert.equal(Number(await page.getAttribute('#today', 'data-value')), sum.today.totalCost);
      assert.equal(Number(await page.getAttribute('#month', 'data-value')), sum.month.totalCost);
      const brk = await getJson(s.port, '/api/v1/breakdown?by=agent');
      const shown = await page.$$eval('#breakdown tbody tr', (trs) => trs.map((tr) => [tr.children[0]!.textContent, Number((tr.children[1] as HTMLElement).dataset.value)]));
      assert.deepEqual(shown, brk.rows.map((r: { key: string; totalCost: number }) => [r.key, r.totalCost]));
      assert.ok(Number(await page.$eval('#chart', (e) => (e as HTMLElement).dataset.points)) > 0, 'the chart has points');
      // The 50 idle days between the old response and the rest are drawn at zero, not as a line across.
      assert.equal(await page.$eval('#chart', (e) => (e as HTMLElement).dataset.idle), '2', 'zeros at both ends of the idle stretch');
      // The efficiency findings, drawn after the rest, are the API's.
      await page.waitForSelector('body[data-findings="1"]');
      const eff = await getJson(s.port, '/api/v1/efficiency?by=agent');
      assert.ok(eff.findings.length > 0, 'the data holds a finding');
      const found = await page.$$eval('#findings tbody tr', (trs) => trs.map((tr) => [tr.children[0]!.textContent, Number((tr.children[1] as HTMLElement).dataset.value)]));
      assert.deepEqual(found, eff.findings.map((f: { message: string; dollars: number }) => [f.message, f.dollars]));
      await page.screenshot({ path: join(SHOTS, `serve-${width}x${height}.png`), fullPage: true });
      if (width === 1280) {
        // An appended line: on the page within a second.
        const before = Number(await page.getAttribute('#today', 'data-value'));
        const t = Date.now();
        appendFileSync(files[1]!, usage('live_1', Date.now(), 's-live', 5000, 5000) + '\n');
        await page.waitForFunction((was) => Number(document.getElementById('today')!.dataset.value) > was, before, { timeout: 5000 });
        const took = Date.now() - t;
        assert.ok(took < 1000, `appended line on the page after ${took} ms`);
        assert.equal(Number(await page.getAttribute('#today', 'data-value')), (await getJson(s.port, '/api/v1/summary')).today.totalCost);
        // Per hour: with no start chosen the page asks for the last 31 days (the API refuses more), and draws them.
        const drawn = Number(await page.$eval('body', (b) => (b as HTMLElement).dataset.drawn));
        await page.selectOption('#bucket', 'hour');
        await page.waitForFunction((n) => Number(document.body.dataset.drawn) > n, drawn, { timeout: 5000 });
        assert.equal(await page.$eval('#error', (e) => (e as HTMLElement).hidden), true, `no error: ${await page.textContent('#error')}`);
        assert.ok(Number(await page.$eval('#chart', (e) => (e as HTMLElement).dataset.points)) > 24, 'hours drawn');
        await page.selectOption('#bucket', 'day');
        // The drill-down: one agent, in the URL, and every number narrowed to it.
        // (the first row now: the appended line may have changed the order)
        const agent = (await page.textContent('#breakdown tbody tr:first-child a'))!;
        await page.click(`#breakdown tbody tr:first-child a`);
        await page.waitForFunction((a) => new URL(location.href).searchParams.get('agent') === a && document.querySelectorAll('#breakdown tbody tr').length === 1, agent);
        await page.waitForFunction(() => document.body.dataset.ready === '1');
        const narrowed = await getJson(s.port, `/api/v1/summary?agent=${encodeURIComponent(agent)}`);
        await page.waitForFunction((v) => Number(document.getElementById('month')!.dataset.value) === v, narrowed.month.totalCost, { timeout: 5000 });
        assert.equal(await page.$eval('#scope a', (a) => (a as HTMLElement).dataset.filter), 'agent');
        // One session in detail: its cost as the API has it, its largest responses listed.
        const sessionId = (await getJson(s.port, `/api/v1/sessions?order=cost&limit=1&agent=${encodeURIComponent(agent)}`)).sessions[0].sessionId as string;
        await page.click('#sessions tbody tr:first-child td:first-child a');
        await page.waitForFunction((id) => new URL(location.href).searchParams.get('session') === id && !document.getElementById('session-section')!.hidden, sessionId);
        const detail = await getJson(s.port, `/api/v1/sessions/${encodeURIComponent(sessionId)}?agent=${encodeURIComponent(agent)}`);
        await page.waitForFunction((v) => Number(document.getElementById('session-about')!.dataset.value) === v, detail.totalCost, { timeout: 5000 });
        assert.equal(await page.$$eval('#session-largest tbody tr', (trs) => trs.length), detail.largestResponses.length);
        await page.screenshot({ path: join(SHOTS, 'serve-session-1280x800.png'), fullPage: true });
      }
      assert.deepEqual(errors, [], `console errors at ${width}x${height}`);
      assert.deepEqual(foreign, [], 'requests to other origins');
      await page.close();
    }
    process.stderr.write(`serve-browser.test: screenshots in ${SHOTS}\n`);
  } finally {
    await browser.close();
    await s.stop();
  }
});

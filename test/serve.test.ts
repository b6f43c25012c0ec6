/**
 * ccost serve: the API answers what the reports answer (and the reference implementation), on
 * generated agent data and on real transcripts; what must be refused is refused; the stream reports
 * appended responses and resumes without a gap or a repeat.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccost, ccostJson } from './helpers/cli.js';
import { HAS_REAL_A, PRICES, REAL_A } from './helpers/paths.js';
import { reference, referenceCost, referenceDedup, referenceRecords } from './helpers/reference.js';
import { rng } from './helpers/rng.js';
import { get, getJson, openStream, startServe, until } from './helpers/serve.js';
import { smallTmpfs } from './helpers/tmpfs.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-serve-test-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-6', 'claude-haiku-4-5-20251001'];

function line(id: string, ts: number, model: string, r: () => number): string {
  return JSON.stringify({
    type: 'assistant',
    timestamp: new Date(ts).toISOString(),
    sessionId: `s-${id.slice(-1)}`,
    requestId: `req_${id}`,
    message: { id, model, content: [{ type: 'text', text: 'x' }], usage: { input_tokens: 10 + Math.floor(r() * 90), output_tokens: 1 + Math.floor(r() * 900), cache_read_input_tokens: Math.floor(r() * 5000), cache_creation_input_tokens: Math.floor(r() * 700) } },
  });
}

/** Three agents (the host, two containers of two team contexts), usage over 40 days up to now. */
function fleet(name: string): string {
  const data = join(root, name);
  const r = rng(4242);
  const folders = [['-w-a', null], ['ccbox-agent1--w-a', 'team-red'], ['ccbox-agent2--w-b', 'team-blue']] as const;
  const now = Date.now();
  for (const [folder, team] of folders) {
    const dir = join(data, 'projects', folder);
    mkdirSync(dir, { recursive: true });
    if (team) writeFileSync(join(dir, '.ccbox.json'), JSON.stringify({ instance: folder.split('--')[0]!.slice('ccbox-'.length), context: team, mode: 'isolated' }));
    for (let s = 0; s < 3; s++) {
      const lines: string[] = [];
      for (let i = 0; i < 40; i++) {
        const ts = now - Math.floor(r() * 40 * 86_400_000) * (i % 5 === 0 ? 0.01 : 1);
        // Some responses copied (partial, then final), and some shared with the folder's first
        // session file (as a resumed session copies them): dedup must hold.
        const id = `msg_${folder}_${i % 10 === 3 ? 0 : s}_${i % 30}`;
        lines.push(line(id, ts, MODELS[i % MODELS.length]!, r));
      }
      writeFileSync(join(dir, `${folder}-${s}.jsonl`), lines.join('\n') + '\n');
    }
  }
  return data;
}

const KEYS = { agent: 'agent', team: 'team', model: 'model', project: 'project' } as const;
const tokens = (t: Record<string, number>) => [t.inputTokens, t.outputTokens, t.cacheCreationTokens, t.cacheReadTokens, t.totalTokens];

async function assertMatchesReports(data: string, label: string): Promise<void> {
  const ledger = join(root, `${label}.db`);
  const s = await startServe(['--dir', data, '--ledger', ledger, '-z', 'UTC']);
  try {
    const src = ['--dir', data, '--ledger', join(root, `${label}-cli.db`), '-z', 'UTC'];
    // Every breakdown = the report of that kind: the same keys, tokens and cost to the last digit.
    for (const [by, keyName] of Object.entries(KEYS)) {
      const api = await getJson(s.port, `/api/v1/breakdown?by=${by}`);
      const cli = ccostJson([by, ...src]);
      const want = new Map(cli.rows.map((row: Record<string, any>) => [String(row[keyName]), row]));
      assert.equal(api.rows.length, want.size, `${label}: breakdown by ${by}: ${api.rows.map((x: any) => x.key)} vs ${[...want.keys()]}`);
      for (const row of api.rows) {
        const c = want.get(row.key) as Record<string, number> | undefined;
        assert.ok(c, `${label}: ${by} ${row.key} in the report`);
        assert.deepEqual(tokens(row), tokens(c), `${label}: ${by} ${row.key} tokens`);
        assert.equal(row.totalCost, c.totalCost, `${label}: ${by} ${row.key} cost`);
        // The model report has no session counts; the others must agree.
        if (by !== 'model') assert.equal(row.sessions, c.sessions, `${label}: ${by} ${row.key} sessions`);
      }
      assert.deepEqual(api.totals, cli.totals, `${label}: breakdown by ${by}: totals`);
    }
    // All time and today = the daily report; all time = the reference implementation.
    const sum = await getJson(s.port, '/api/v1/summary');
    const daily = ccostJson(['daily', ...src]);
    assert.deepEqual(sum.allTime, daily.totals, `${label}: all time`);
    const today = new Date().toISOString().slice(0, 10);
    assert.deepEqual(sum.today, ccostJson(['daily', ...src, '--since', today, '--until', today]).totals, `${label}: today`);
    const ref = reference(data, PRICES);
    assert.deepEqual(tokens(sum.allTime), tokens(ref.totals as unknown as Record<string, number>), `${label}: all time tokens = reference`);
    assert.ok(Math.abs(sum.allTime.totalCost - ref.totals.totalCost) <= 1e-9 * Math.max(1, ref.totals.totalCost), `${label}: all time cost ${sum.allTime.totalCost} = reference ${ref.totals.totalCost}`);
    // The cost of each model, from the reference's own deduplication and prices.
    const prices = JSON.parse(readFileSync(PRICES, 'utf8'));
    const byModel = new Map<string, number>();
    for (const rec of referenceDedup(referenceRecords(data).records)) if (rec.model && rec.model !== '<synthetic>') byModel.set(rec.model, (byModel.get(rec.model) ?? 0) + (referenceCost(rec, prices) ?? 0));
    for (const row of (await getJson(s.port, '/api/v1/breakdown?by=model')).rows) assert.ok(Math.abs(row.totalCost - (byModel.get(row.key) ?? 0)) <= 1e-9 * Math.max(1, row.totalCost), `${label}: model ${row.key}`);
    // Sessions: each as the session report has it.
    const sessions = await getJson(s.port, '/api/v1/sessions?limit=200&order=recent');
    const report = new Map(ccostJson(['session', ...src]).sessions.map((x: Record<string, unknown>) => [x.sessionId, x]));
    assert.equal(sessions.sessions.length, Math.min(200, report.size));
    for (const x of sessions.sessions) assert.deepEqual(tokens(x), tokens(report.get(x.sessionId) as Record<string, number>), `${label}: session ${x.sessionId}`);
    // The most costly few, as the report's sessions sort by cost (ties by id).
    const costly = [...report.values()].sort((a: any, b: any) => b.totalCost - a.totalCost || String(a.sessionId).localeCompare(String(b.sessionId))).slice(0, 5);
    const top = await getJson(s.port, '/api/v1/sessions?order=cost&limit=5');
    assert.deepEqual(top.sessions.map((x: any) => [x.sessionId, x.totalCost]), costly.map((x: any) => [x.sessionId, x.totalCost]), `${label}: the 5 most costly sessions`);
    // A filter narrows every answer the way the report's filter does.
    const agent = (await getJson(s.port, '/api/v1/breakdown?by=agent')).rows[0].key;
    assert.deepEqual((await getJson(s.port, `/api/v1/summary?agent=${encodeURIComponent(agent)}`)).allTime, ccostJson(['daily', ...src, '--agent', agent]).totals, `${label}: --agent ${agent}`);
    // Efficiency (read from the ledger's log, response by response) = `ccost efficiency` (which reads the files).
    let findings = 0;
    for (const by of Object.keys(KEYS)) {
      const api = await getJson(s.port, `/api/v1/efficiency?by=${by}`);
      assert.deepEqual(api, ccostJson(['efficiency', '--dir', data, '-z', 'UTC', '--by', by]), `${label}: efficiency by ${by}`);
      findings += api.findings.length;
    }
    if (label === 'fleet') assert.ok(findings > 0, 'the generated fleet has findings to compare');
    assert.deepEqual(await getJson(s.port, `/api/v1/efficiency?by=model&agent=${encodeURIComponent(agent)}`), ccostJson(['efficiency', '--dir', data, '-z', 'UTC', '--by', 'model', '--agent', agent]), `${label}: efficiency of ${agent}`);
    // The series adds up to the totals.
    const ser = await getJson(s.port, '/api/v1/series?by=model&bucket=month&top=2');
    const cents = (n: number) => Math.round(n * 1e6);
    const summed = ser.series.reduce((n: number, x: { values: number[] }) => n + x.values.reduce((a, b) => a + cents(b), 0), 0) + ser.other.reduce((a: number, b: number) => a + cents(b), 0);
    assert.ok(Math.abs(summed - cents(ser.totals.totalCost)) <= ser.t.length * (ser.series.length + 1), `${label}: series sums to the totals`);
  } finally {
    await s.stop();
  }
}

test('the API answers what the reports answer, and the reference implementation: generated agent data', async () => {
  await assertMatchesReports(fleet('fleet'), 'fleet');
});

test('the API answers what the reports answer, and the reference implementation: real transcripts (real-a)', { skip: HAS_REAL_A ? false : 'shared/corpus/real-a is not beside this checkout' }, async () => {
  await assertMatchesReports(REAL_A, 'real-a');
});

test('refused: another address without a token, a request without it, a foreign Host, paths that are not pages, spans past the bounds, one stream too many', async () => {
  const data = fleet('guard');
  const ledger = join(root, 'guard.db');
  // Off loopback without a token: exit 2 before listening.
  const bare = ccost(['serve', '--dir', data, '--ledger', ledger, '--bind', '0.0.0.0', '--port', '0']);
  assert.equal(bare.code, 2, bare.stderr);
  assert.match(bare.stderr, /needs --token-file/);
  // The whole view is served: a report's --agent would be silently ignored, so it is refused.
  const narrowed = ccost(['serve', '--dir', data, '--ledger', ledger, '--agent', 'agent1', '--port', '0']);
  assert.equal(narrowed.code, 2, narrowed.stderr);
  const tokenFile = join(root, 'token');
  writeFileSync(tokenFile, 'a-long-enough-test-token-0123456789\n');
  const s = await startServe(['--dir', data, '--ledger', ledger, '--token-file', tokenFile]);
  try {
    assert.equal((await get(s.port, '/api/v1/summary')).status, 401);
    assert.equal((await get(s.port, '/api/v1/summary', { authorization: 'Bearer wrong-token-wrong-token-00' })).status, 401);
    const ok = await get(s.port, '/api/v1/summary', { authorization: 'Bearer a-long-enough-test-token-0123456789' });
    assert.equal(ok.status, 200);
    // No CORS; a policy that keeps the page to its own files.
    assert.equal(ok.headers['access-control-allow-origin'], undefined);
    assert.match(String(ok.headers['content-security-policy']), /default-src 'self'/);
    // ?token= once: a cookie (HttpOnly, SameSite=Strict) and the same URL without the token.
    const first = await get(s.port, '/?by=team&token=a-long-enough-test-token-0123456789');
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, '/?by=team');
    const cookie = String(first.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.equal((await get(s.port, '/', { cookie: cookie.split(';')[0]! })).status, 200);
  } finally {
    await s.stop();
  }
  const open = await startServe(['--dir', data, '--ledger', ledger]);
  try {
    assert.equal((await get(open.port, '/api/v1/summary', { host: `evil.example:${open.port}` })).status, 403, 'a foreign Host (DNS rebinding)');
    assert.equal((await get(open.port, '/api/v1/summary', { host: `localhost:${open.port}` })).status, 200);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/web%2fapp.js', '/%252e%252e/package.json', '/..\\package.json', '/app.js%00', '/index.html', '/web/app.js', '/dist/src/cli/ccost.js'])
      assert.ok([400, 404].includes((await get(open.port, path)).status), path);
    assert.equal((await get(open.port, '/app.js')).status, 200);
    for (const path of ['/api/v1/series?bucket=hour', '/api/v1/sessions?limit=201', '/api/v1/summary?tz=Mars/Olympus', '/api/v1/breakdown?by=colour', '/api/v1/summary?unknown=1', '/api/v1/summary?since=2025-02-30']) {
      const r = await get(open.port, path);
      assert.equal(r.status, 400, path);
      assert.ok(JSON.parse(r.body).error.code, path);
    }
    // 32 streams at once; the 33rd is turned away.
    const streams = await Promise.all(Array.from({ length: 32 }, () => openStream(open.port)));
    assert.ok(streams.every((x) => x.status === 200));
    assert.equal((await get(open.port, '/api/v1/stream')).status, 503);
    for (const x of streams) x.close();
  } finally {
    await open.stop();
  }
});

test('the stream: each appended response once, with the ledger sequence as its id; Last-Event-ID resumes with no gap and no repeat', async () => {
  const data = fleet('stream');
  const s = await startServe(['--dir', data, '--ledger', join(root, 'stream.db'), '-z', 'UTC']);
  try {
    const a = await openStream(s.port);
    const file = join(data, 'projects', '-w-a', '-w-a-0.jsonl');
    const r = rng(7);
    appendFileSync(file, line('msg_live_1', Date.now(), MODELS[0]!, r) + '\n');
    assert.ok(await until(() => a.events.some((e) => e.event === 'usage'), 10_000), 'a usage event');
    const first = a.events.find((e) => e.event === 'usage')!;
    assert.equal(JSON.parse(first.data).messageId, 'msg_live_1');
    assert.ok(await until(() => a.events.some((e) => e.event === 'summary'), 5000), 'a summary after it');
    const seq = Number(first.id);
    a.close();
    // Gone while two more responses came: back with the last id seen, it gets those two, once each.
    appendFileSync(file, line('msg_live_2', Date.now(), MODELS[1]!, r) + '\n');
    assert.ok(await until(async () => (await getJson(s.port, '/api/v1/summary')).ledgerSeq > seq, 10_000));
    appendFileSync(file, line('msg_live_3', Date.now(), MODELS[2]!, r) + '\n');
    assert.ok(await until(async () => (await getJson(s.port, '/api/v1/summary')).ledgerSeq > seq + 1, 10_000));
    const b = await openStream(s.port, { 'last-event-id': String(seq) });
    assert.ok(await until(() => b.events.filter((e) => e.event === 'usage').length >= 2, 5000));
    appendFileSync(file, line('msg_live_4', Date.now(), MODELS[0]!, r) + '\n');
    assert.ok(await until(() => b.events.filter((e) => e.event === 'usage').length >= 3, 10_000));
    await new Promise((done) => setTimeout(done, 500));
    assert.deepEqual(b.events.filter((e) => e.event === 'usage').map((e) => JSON.parse(e.data).messageId), ['msg_live_2', 'msg_live_3', 'msg_live_4']);
    b.close();
  } finally {
    await s.stop();
  }
});

test('budgets with their state and what the guard holds; one session with its largest responses', async () => {
  const data = fleet('budgets');
  const today = new Date().toISOString().slice(0, 10);
  const src = ['--dir', data, '--ledger', join(root, 'budgets-cli.db'), '-z', 'UTC'];
  const spentToday = ccostJson(['daily', ...src, '--since', today, '--until', today]).totals.totalCost as number;
  const month = ccostJson(['monthly', ...src]).monthly.find((m: { month: string }) => m.month === today.slice(0, 7)).totalCost as number;
  assert.ok(spentToday > 0, 'the fixture spends today');
  const config = join(root, 'alerts.yaml');
  writeFileSync(config, `daily_budget: ${(spentToday / 2).toFixed(6)}\nmonthly_budget: ${(month * 4).toFixed(2)}\non_exceeded: pause\n`);
  // The guard's state, as alert --on-exceeded leaves it after pausing agent1 for the daily budget.
  const state = join(root, 'state');
  mkdirSync(join(state, 'ccorc'), { recursive: true });
  writeFileSync(join(state, 'ccorc', 'guard-state.json'), JSON.stringify({ records: [{ rule: 'daily', period: today, action: 'pause', limit: spentToday / 2, held: ['agent1', 'agent2'], released: ['agent2'], done: false, at: new Date().toISOString() }], raises: {} }));
  const s = await startServe(['--dir', data, '--ledger', join(root, 'budgets.db'), '-z', 'UTC', '--config', config], { XDG_STATE_HOME: state });
  try {
    const sum = await getJson(s.port, '/api/v1/summary');
    const daily = sum.budgets.find((b: { rule: string }) => b.rule === 'daily');
    assert.deepEqual(daily, { rule: 'daily', limit: Number((spentToday / 2).toFixed(6)), spent: spentToday, state: 'exceeded', action: 'pause', held: ['agent1'] });
    const monthly = sum.budgets.find((b: { rule: string }) => b.rule === 'monthly');
    assert.equal(monthly.spent, month);
    assert.equal(monthly.state, 'ok');
    assert.deepEqual(monthly.held, []);
    // One session: by model, in quarter hours, and its largest responses (each message once).
    const top = (await getJson(s.port, '/api/v1/sessions?order=cost&limit=1')).sessions[0];
    const one = await getJson(s.port, `/api/v1/sessions/${encodeURIComponent(top.sessionId)}`);
    assert.equal(one.totalCost, top.totalCost);
    const cents = (n: number) => Math.round(n * 1e8);
    assert.equal(one.byModel.reduce((n: number, m: { totalCost: number }) => n + cents(m.totalCost), 0), cents(one.totalCost));
    assert.equal(one.quarterHours.reduce((n: number, q: { cost: number }) => n + cents(q.cost), 0), cents(one.totalCost));
    const largest = one.largestResponses as Array<{ messageId: string; cost: number; sessionId: string }>;
    assert.ok(largest.length > 0 && largest.length <= 10);
    assert.equal(new Set(largest.map((r) => r.messageId)).size, largest.length, 'each message once');
    assert.ok(largest.every((r, i) => i === 0 || largest[i - 1]!.cost >= r.cost), 'largest first');
    assert.ok(largest.every((r) => r.sessionId === top.sessionId));
    assert.equal((await get(s.port, '/api/v1/sessions/no-such-session')).status, 404);
    // An id is compared, never opened: an encoded one is taken, and one that looks like a path is just not found.
    assert.equal((await get(s.port, `/api/v1/sessions/${encodeURIComponent(top.sessionId)}`)).status, 200);
    assert.equal((await get(s.port, `/api/v1/sessions/${encodeURIComponent('../../package.json')}`)).status, 404);
    assert.equal((await get(s.port, '/api/v1/sessions/%E0%A4%A')).status, 400);
  } finally {
    await s.stop();
  }
});

const tiny = smallTmpfs('400k', 'the full-disk serve test');

test('the ledger\'s disk fills while serving: a note, the numbers stay right, the stream goes on', { skip: tiny.skip }, async () => {
  const data = join(root, 'full');
  const proj = join(data, 'projects', '-w');
  mkdirSync(proj, { recursive: true });
  const file = join(proj, 's.jsonl');
  writeFileSync(file, '');
  const s = await startServe(['--dir', data, '--ledger', join(tiny.dir, 'ledger.db'), '-z', 'UTC']);
  const stream = await openStream(s.port);
  try {
    // Batches of 300 sizeable responses: the 400 KiB disk fills after a few.
    const ids: string[] = [];
    for (let k = 0; k < 6; k++) {
      const batch = Array.from({ length: 300 }, (_, i) => `full${k}_${i}`);
      ids.push(...batch);
      appendFileSync(file, batch.map((id) => JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), sessionId: 's', message: { id, model: 'claude-sonnet-4-5-20250929', content: 'y'.repeat(200), usage: { input_tokens: 7, output_tokens: 5 } } })).join('\n') + '\n');
      await new Promise((r) => setTimeout(r, 700));
    }
    const ref = reference(data, PRICES);
    assert.ok(await until(async () => (await getJson(s.port, '/api/v1/summary')).allTime.totalTokens === ref.totals.totalTokens, 15_000), 'the totals catch up with the files');
    const sum = await getJson(s.port, '/api/v1/summary');
    assert.ok(Math.abs(sum.allTime.totalCost - ref.totals.totalCost) < 1e-9);
    assert.match(s.stderr(), /disk is full; following on with a temporary ledger/);
    assert.ok(await until(() => stream.events.filter((e) => e.event === 'usage').length >= ids.length, 10_000));
    assert.deepEqual(stream.events.filter((e) => e.event === 'usage').map((e) => JSON.parse(e.data).messageId).sort(), [...ids].sort(), 'every response streamed once');
    // The event ids go on growing across the switch to a temporary ledger (whose generations start
    // again from 1), so that a client coming back with Last-Event-ID is not taken to be ahead.
    const seq = stream.events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
    assert.ok(seq.every((id, i) => i === 0 || id >= seq[i - 1]!), `event ids never go back: ${seq.join(' ')}`);
    const lastId = seq[seq.length - 1]!;
    const more = ['full_after_0', 'full_after_1'];
    appendFileSync(file, more.map((id) => JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), sessionId: 's', message: { id, model: 'claude-sonnet-4-5-20250929', content: 'y', usage: { input_tokens: 7, output_tokens: 5 } } })).join('\n') + '\n');
    assert.ok(await until(() => stream.events.filter((e) => e.event === 'usage').length >= ids.length + more.length, 10_000));
    const back = await openStream(s.port, { 'last-event-id': String(lastId) });
    assert.ok(await until(() => back.events.filter((e) => e.event === 'usage').length >= more.length, 5_000), 'a client coming back gets what came since its last id');
    back.close();
    assert.deepEqual(back.events.filter((e) => e.event === 'usage').map((e) => JSON.parse(e.data).messageId).sort(), more);
    assert.equal((await get(s.port, '/metrics')).status, 200);
  } finally {
    stream.close();
    await s.stop();
  }
});

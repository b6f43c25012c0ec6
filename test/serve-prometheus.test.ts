/**
 * /metrics in a real Prometheus: `promtool check metrics` passes; scraped as job `otel-collector`
 * every second, `sum by (model)` and `sum by (type)` equal the API's totals; an appended line raises
 * the counters by exactly its tokens and cost; a truncated file lowers nothing; every expression of
 * our Grafana dashboard returns data. Needs Debian's `prometheus` (.ci/run installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/paths.js';
import { get, getJson, startServe, until } from './helpers/serve.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['prometheus', 'promtool'].filter((c) => !have(c));
const SKIP = missing.length ? `SKIPPED LOUDLY: ${missing.join(' and ')} not installed (Debian package prometheus; .ci/run installs it)` : false;
if (SKIP) process.stderr.write(`serve-prometheus.test: ${SKIP}\n`);

const root = mkdtempSync(join(tmpdir(), 'ccost-prom-test-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function usage(id: string, input: number, output: number, read: number): string {
  return JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), sessionId: 'p1', requestId: `req_${id}`, message: { id, model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'x' }], usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: read } } });
}

test('metrics in a real Prometheus equal the API, rise by exactly what is appended, and never fall', { skip: SKIP, timeout: 180_000 }, async () => {
  const data = join(root, 'data');
  const dir = join(data, 'projects', '-w-p');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'p.jsonl');
  writeFileSync(file, [usage('m1', 100, 200, 3000), usage('m2', 10, 20, 0)].join('\n') + '\n');
  writeFileSync(join(dir, 'other.jsonl'), usage('m3', 7, 8, 9) + '\n');
  const s = await startServe(['--dir', data, '--ledger', join(root, 'l.db'), '-z', 'UTC']);
  const promPort = await freePort();
  const config = join(root, 'prometheus.yml');
  writeFileSync(config, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: otel-collector\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:${s.port}']\n`);
  const prom = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(root, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
  try {
    const text = (await get(s.port, '/metrics')).body;
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);
    assert.doesNotMatch(text, /session_?id=|user_?id=|request_?id=|instance=|job=/i, 'no per-session, user or request labels, no target labels');

    const query = async (expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
      const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await r.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      return body.status === 'success' ? body.data.result : [];
    };
    const byLabel = async (expr: string, label: string) => new Map((await query(expr)).map((x) => [x.metric[label] ?? '', Number(x.value[1])]));
    assert.ok(await until(async () => (await query('claude_code_cost_usage_USD_total{job="otel-collector"}')).length > 0, 60_000), 'Prometheus scraped ccost');

    const agree = async () => {
      const api = await getJson(s.port, '/api/v1/breakdown?by=model');
      const types = await getJson(s.port, '/api/v1/breakdown?by=type');
      const cost = await byLabel('sum by (model) (claude_code_cost_usage_USD_total{job="otel-collector"})', 'model');
      const tokens = await byLabel('sum by (type) (claude_code_token_usage_tokens_total{job="otel-collector"})', 'type');
      const sameCost = api.rows.every((row: { key: string; totalCost: number }) => Math.abs((cost.get(row.key) ?? -1) - row.totalCost) <= 1e-9 * Math.max(1, row.totalCost));
      const sameTokens = types.rows.every((row: { key: string; tokens: number }) => tokens.get(row.key) === row.tokens);
      return { ok: sameCost && sameTokens && cost.size === api.rows.length, api, types };
    };
    assert.ok(await until(async () => (await agree()).ok, 20_000), 'sum by (model) and sum by (type) = the API');
    const before = await agree();

    // One more response: the counters rise by exactly its tokens and its cost.
    appendFileSync(file, usage('m4', 1000, 2000, 30000) + '\n');
    const sumTokens = async () => (await query('sum(claude_code_token_usage_tokens_total{job="otel-collector"})')).map((x) => Number(x.value[1]))[0] ?? 0;
    const was = before.types.totals.totalTokens;
    assert.ok(await until(async () => (await sumTokens()) === was + 33000, 20_000), `tokens rose by the line's 33,000 (now ${await sumTokens()})`);
    const after = await agree();
    assert.ok(await until(async () => (await agree()).ok, 20_000));
    const costRise = after.api.totals.totalCost - before.api.totals.totalCost;
    // Sonnet 4.5: $3 per million input, $15 per million output, $0.30 per million cache reads.
    assert.ok(Math.abs(costRise - (1000 * 3 + 2000 * 15 + 30000 * 0.3) / 1e6) < 1e-9, `cost rose by the line's price: ${costRise}`);

    // A file cut short takes nothing back from a counter.
    const high = await sumTokens();
    truncateSync(join(dir, 'other.jsonl'), 0);
    await new Promise((r) => setTimeout(r, 4000));
    assert.ok((await sumTokens()) >= high, 'a truncation lowers no counter');

    // Every expression of the shipped dashboard returns data for job otel-collector.
    const dash = JSON.parse(readFileSync(join(ROOT, 'grafana', 'ccost-dashboard.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    for (const p of dash.panels)
      for (const t of p.targets) {
        const expr = t.expr.replaceAll('$job', 'otel-collector');
        assert.ok(await until(async () => (await query(expr)).length > 0, 20_000), `dashboard panel "${p.title}": ${expr}`);
      }
  } finally {
    prom.kill('SIGTERM');
    await s.stop();
  }
});

/**
 * #17: hosts that reach the fleet's PostgreSQL over a network of the test's own: each host's sync
 * runs in a network namespace made here (ip netns, a veth pair to this machine, no route anywhere
 * else), PostgreSQL listens on the veth addresses. A link cut in the middle of a sync (packets
 * dropped, nothing refused) must not hang the sync, nor hold the fleet's merge lock so that other
 * hosts wait; once the link is back, a rerun counts nothing twice and loses nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ccost, ccostJson } from './helpers/cli.js';
import { CCOST } from './helpers/paths.js';
import { startPostgres } from './helpers/postgres.js';
import { rng } from './helpers/rng.js';
import { LOCK } from '../src/fleet/schema.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-netns-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** A subnet of this test run's own (10.231.N.0/24), one /30 per host. */
const N = 20 + (process.pid % 200);
const HOSTS = [1, 2];
const ns = (h: number) => `ccost-t${process.pid}-h${h}`;
const hostSide = (h: number) => `10.231.${N}.${4 * h + 1}`;
const nsSide = (h: number) => `10.231.${N}.${4 * h + 2}`;
const veth = (h: number) => `cct${process.pid % 100000}h${h}`;

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

/** The namespaces and links; the reason when this machine cannot make them. */
function makeNetwork(): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root (CI runs as root)';
  if (ip('-V').status !== 0) return "no ip command (Debian's iproute2)";
  for (const h of HOSTS) {
    const steps = [
      ['netns', 'add', ns(h)],
      ['link', 'add', `${veth(h)}a`, 'type', 'veth', 'peer', 'name', `${veth(h)}b`],
      ['link', 'set', `${veth(h)}b`, 'netns', ns(h)],
      ['addr', 'add', `${hostSide(h)}/30`, 'dev', `${veth(h)}a`],
      ['link', 'set', `${veth(h)}a`, 'up'],
      ['netns', 'exec', ns(h), 'ip', 'addr', 'add', `${nsSide(h)}/30`, 'dev', `${veth(h)}b`],
      ['netns', 'exec', ns(h), 'ip', 'link', 'set', `${veth(h)}b`, 'up'],
      ['netns', 'exec', ns(h), 'ip', 'link', 'set', 'lo', 'up'],
    ];
    for (const s of steps) {
      const r = ip(...s);
      if (r.status !== 0) return `ip ${s.join(' ')}: ${r.stderr.trim()}`;
    }
  }
  return null;
}

function removeNetwork(): void {
  for (const h of HOSTS) {
    ip('link', 'del', `${veth(h)}a`);
    ip('netns', 'del', ns(h));
  }
}

const noNetwork = makeNetwork();
if (noNetwork) removeNetwork();
test.after(removeNetwork);
const server = noNetwork ? null : await startPostgres('the fleet tests across network namespaces', { listen: HOSTS.map(hostSide), trust: `10.231.${N}.0/24` });
const skip = noNetwork ? `SKIPPED LOUDLY: the fleet tests across network namespaces: ${noNetwork}` : server && 'skip' in server ? server.skip : false;
if (noNetwork) console.warn(skip);
const pgs = server && !('skip' in server) ? server : null;

/** Host h's data: 30 session files of 8 responses, each file a segment of its own, so a sync of batches of 5 takes many batches. */
function hostData(h: number): { dir: string; ledger: string } {
  const dir = join(root, `h${h}`);
  const r = rng(40 + h);
  for (let f = 0; f < 30; f++) {
    const project = join(dir, 'projects', `-w-p${f % 3}`);
    mkdirSync(project, { recursive: true });
    const lines = Array.from({ length: 8 }, (_, i) =>
      JSON.stringify({
        type: 'assistant',
        timestamp: new Date(Date.UTC(2025, 9, 1 + (f % 9), 8, i)).toISOString(),
        sessionId: `h${h}-s${f}`,
        message: { id: `msg_h${h}_${f}_${i}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10 + i, output_tokens: 1 + Math.floor(r() * 500), cache_read_input_tokens: 1000 } },
      }),
    );
    writeFileSync(join(project, `s${f}.jsonl`), lines.join('\n') + '\n');
  }
  const ledger = join(root, `h${h}.db`);
  assert.equal(ccost(['daily', '--dir', dir, '--ledger', ledger]).code, 0);
  return { dir, ledger };
}

async function database(name: string): Promise<string> {
  const c = new pg.Client({ connectionString: pgs!.url });
  c.on('error', () => {});
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return pgs!.url.replace(/\/postgres$/, `/${name}`);
}

/** The URL host h's namespace reaches the database by. */
const urlFrom = (h: number, db: string) => `postgres://postgres@${hostSide(h)}:${pgs!.port}/${db.split('/').pop()}`;

interface Run {
  code: number | null;
  stderr: string;
  ms: number;
}

/** `ccost sync` of host h inside its namespace; resolves when it exits, or after `limitMs` (then killed, code null). */
function syncIn(h: number, data: { dir: string; ledger: string }, db: string, extra: string[], limitMs: number): { done: Promise<Run>; child: ReturnType<typeof spawn> } {
  const t = Date.now();
  const child = spawn('ip', ['netns', 'exec', ns(h), process.execPath, CCOST, 'sync', '--to', urlFrom(h, db), '--dir', data.dir, '--ledger', data.ledger, '--host-name', `h${h}`, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<Run>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - t });
    });
  });
  return { done, child };
}

async function eventCount(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  try {
    return Number((await c.query('SELECT count(*) AS n FROM ccost_events')).rows[0].n);
  } catch {
    return 0;
  } finally {
    await c.end().catch(() => {});
  }
}

/** Whether some session holds the merge lock (fleet/schema.ts LOCK.merge, an advisory lock on one bigint). */
async function mergeLockHeld(c: pg.Client): Promise<boolean> {
  const { rows } = await c.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $1`, [LOCK.merge]);
  return rows.length > 0;
}

const link = (h: number, up: boolean) => assert.equal(ip('netns', 'exec', ns(h), 'ip', 'link', 'set', `${veth(h)}b`, up ? 'up' : 'down').status, 0);

test('syncs across the network equal the hosts read together', { skip }, async () => {
  const data = HOSTS.map(hostData);
  const db = await database('netns_a');
  for (const [i, h] of HOSTS.entries()) {
    const r = await syncIn(h, data[i]!, db, [], 60_000).done;
    assert.equal(r.code, 0, r.stderr);
  }
  const union = data.flatMap((d) => ['--dir', d.dir]);
  assert.deepEqual(ccostJson(['daily', '--from', db]).totals, ccostJson(['daily', ...union, '--no-ledger']).totals);
});

test('a link cut mid-sync: the sync gives up in bounded time (exit 75), the other host is not held up, and a rerun counts nothing twice', { skip }, async () => {
  const data = HOSTS.map(hostData);
  const clean = await database('netns_clean');
  for (const [i, h] of HOSTS.entries()) assert.equal((await syncIn(h, data[i]!, clean, [], 60_000).done).code, 0);
  const want = await eventCount(clean);

  const TIMEOUT = ['--timeout', '3'];
  // Cut while host 1 holds the fleet's merge lock (tried again, on a fresh database, until a cut lands so).
  let db = '';
  let one: ReturnType<typeof syncIn> | null = null;
  const watcher = new pg.Client({ connectionString: pgs!.url });
  await watcher.connect();
  for (let attempt = 0; attempt < 8; attempt++) {
    db = await database('netns_cut');
    one = syncIn(1, data[0]!, db, ['--batch', '5', ...TIMEOUT], 90_000);
    let held = false;
    for (let i = 0; i < 5000 && !held && one.child.exitCode === null; i++) held = await mergeLockHeld(watcher);
    if (held) link(1, false);
    if (held && (await mergeLockHeld(watcher))) break;
    if (held) link(1, true);
    await one.done;
    one = null;
  }
  await watcher.end();
  assert.ok(one, 'a cut landed while host 1 held the merge lock');
  try {
    // Host 2 allows itself longer than host 1 (whose dead session the server ends after host 1's 3 s).
    const two = await syncIn(2, data[1]!, db, ['--batch', '5', '--timeout', '20'], 90_000).done;
    const cut = await one.done;
    assert.notEqual(cut.code, null, `the cut sync hung (killed after ${cut.ms} ms): ${cut.stderr}`);
    assert.equal(cut.code, 75, cut.stderr);
    assert.match(cut.stderr, /no answer from the fleet database .* within 3 s/);
    assert.doesNotMatch(cut.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(cut.ms < 30_000, `gave up after ${cut.ms} ms`);
    // Host 2 waited at most for the server to let go of the merge lock host 1's dead session held.
    assert.equal(two.code, 0, `host 2: ${two.stderr}`);
    assert.ok(two.ms < 15_000, `host 2 took ${two.ms} ms`);
  } finally {
    link(1, true);
  }
  // Back up: reruns (host 1's dead session may hold its host lock a little longer) end with all counted once.
  for (let round = 0; round < 20 && (await eventCount(db)) !== want; round++) {
    for (const [i, h] of HOSTS.entries()) await syncIn(h, data[i]!, db, TIMEOUT, 60_000).done;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(await eventCount(db), want);
  assert.deepEqual(ccostJson(['daily', '--from', db]), { ...ccostJson(['daily', '--from', clean]), fleet: ccostJson(['daily', '--from', db]).fleet });
});

test('sync --watch rides out a cut link: it gives up on the round, tries again, and sends what came meanwhile once the link is back', { skip }, async () => {
  const data = hostData(1);
  const db = await database('netns_watch');
  const watch = spawn('ip', ['netns', 'exec', ns(1), process.execPath, CCOST, 'sync', '--to', urlFrom(1, db), '--dir', data.dir, '--ledger', data.ledger, '--host-name', 'h1', '--watch', '--interval', '0.5', '--timeout', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  watch.stderr!.on('data', (d: Buffer) => (log += d));
  const eventually = async (n: number, what: string) => {
    for (let i = 0; i < 150; i++) {
      if ((await eventCount(db)) === n) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`${what}: ${n} responses never arrived: ${log}`);
  };
  try {
    await eventually(240, 'before the cut');
    link(1, false);
    const more = JSON.stringify({ type: 'assistant', timestamp: '2025-10-09T09:00:00.000Z', sessionId: 'h1-late', message: { id: 'msg_late', model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 1, output_tokens: 2 } } });
    writeFileSync(join(data.dir, 'projects', '-w-p0', 'late.jsonl'), more + '\n');
    // Rounds that cannot reach the database give up after 2 s each and say so.
    for (let i = 0; i < 100 && !/no answer from the fleet database|cannot reach the fleet database/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(log, /no answer from the fleet database|cannot reach the fleet database/);
    assert.equal(watch.exitCode, null, 'still watching');
    link(1, true);
    await eventually(241, 'after the link came back');
    assert.equal(watch.exitCode, null, 'still watching');
  } finally {
    link(1, true);
    watch.kill('SIGKILL');
  }
});

/**
 * A PostgreSQL of the test's own: `initdb -A trust` and `pg_ctl` as user postgres in a temporary
 * folder, listening on 127.0.0.1 and a socket in that folder only, stopped when the test file ends.
 * CI installs Debian's postgresql; where it (or root, to run as postgres) is missing, the reason to
 * skip, said loudly.
 */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Postgres {
  url: string;
  port: number;
  stop(): void;
  start(): void;
}

function binDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0]!, 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

/** For a test file: started now, stopped and removed when the file's tests end. */
export async function startPostgres(forWhat: string, o: NetworkOptions = {}): Promise<Postgres | { skip: string }> {
  const pg = await launchPostgres({ fsync: false, ...o });
  if ('reason' in pg) {
    const skip = `SKIPPED LOUDLY: ${forWhat}: ${pg.reason}`;
    console.warn(skip);
    return { skip };
  }
  test.after(() => pg.remove());
  return pg;
}

/** Addresses to listen on besides 127.0.0.1 (a test's own hosts, in its network namespaces), and the network trusted on them. */
export interface NetworkOptions {
  listen?: string[];
  trust?: string;
}

/**
 * A server in a temporary folder (the caller removes it); the reason when there can be none here.
 * Tests turn fsync off (speed); a benchmark keeps PostgreSQL's default.
 */
export async function launchPostgres(o: { fsync: boolean } & NetworkOptions): Promise<(Postgres & { remove(): void }) | { reason: string }> {
  const why = (reason: string) => ({ reason });
  const bin = binDir();
  if (!bin) return why("no PostgreSQL server here (Debian's postgresql package; .ci/run installs it)");
  if (process.getuid?.() !== 0) return why('initdb runs as user postgres, which needs root to switch to (CI runs as root)');
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (!uid) return why('no postgres user');
  const dir = mkdtempSync(join(tmpdir(), 'ccost-pg-'));
  chownSync(dir, uid, gid);
  const asPostgres = (args: string[]) => spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' });
  const init = asPostgres([join(bin, 'initdb'), '-A', 'trust', '-U', 'postgres', '-D', join(dir, 'data')]);
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return why(`initdb failed: ${init.stderr.trim().split('\n').pop()}`);
  }
  if (o.trust) appendFileSync(join(dir, 'data', 'pg_hba.conf'), `host all all ${o.trust} trust\n`);
  const port = await freePort();
  const opts = `-c listen_addresses=${['127.0.0.1', ...(o.listen ?? [])].join(',')} -p ${port} -k ${dir}${o.fsync ? '' : ' -c fsync=off'} -c max_connections=50`;
  const start = () => {
    const r = asPostgres([join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
    if (r.status !== 0) throw new Error(`pg_ctl start: ${r.stderr}`);
  };
  const stop = () => void asPostgres([join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  start();
  const remove = () => {
    stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop, start, remove };
}

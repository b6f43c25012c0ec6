/**
 * A `ccost serve` child process for tests, and plain HTTP requests to it (node:http: any path as
 * written, any Host header).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { CCOST } from './paths.js';

export interface Served {
  child: ChildProcess;
  port: number;
  url: string;
  stderr: () => string;
  stop: () => Promise<void>;
}

export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, [CCOST, 'serve', '--port', '0', ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ccost serve did not start: ${err}`)), 60_000);
    const look = () => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', look);
        resolve(Number(m[1]));
      }
    };
    child.stderr!.on('data', look);
    child.once('exit', (code) => reject(new Error(`ccost serve exited ${code}: ${err}`)));
  });
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    stderr: () => err,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function getJson(port: number, path: string): Promise<any> {
  const r = await get(port, path);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body);
}

/** Server-sent events from the stream, as they come. */
export function openStream(port: number, headers: Record<string, string> = {}): Promise<{ events: Array<{ id?: string; event: string; data: string }>; status: number; close: () => void }> {
  return new Promise((resolve, reject) => {
    const events: Array<{ id?: string; event: string; data: string }> = [];
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/stream', headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let at;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const e: { id?: string; event: string; data: string } = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) e.id = line.slice(4);
            else if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) e.data += line.slice(6);
          }
          if (!block.startsWith(':')) events.push(e);
        }
      });
      resolve({ events, status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}

export async function until(ok: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return ok();
}

/**
 * A lock that the kernel holds for a running process: an abstract Unix socket (Linux), bound by
 * the holder and freed when it dies, however it dies. Asking "who holds it" is a connection to the
 * name; the holder answers with one JSON line. No file is involved, so a stale file can never fake
 * a holder, and binding the name is atomic, so there is never more than one holder.
 */
import { createHash } from 'node:crypto';
import { connect, createServer } from 'node:net';

export interface LockAnswer {
  pid: number;
  ready: boolean;
}

/** The abstract socket name of a role (monitor, keeper) for one instance and host target folder. */
export function lockName(role: string, instance: string, target: string): string {
  const t = createHash('sha256').update(target).digest('hex').slice(0, 16);
  return `\0ccbox-session-${role}:${instance}:${t}`;
}

/** Binds the name; false when another process holds it. The process keeps it until it exits. */
export function holdLock(name: string, answer: () => LockAnswer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.end(JSON.stringify(answer()) + '\n');
    });
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err)));
    server.listen({ path: name }, () => resolve(true));
  });
}

/** The holder's answer, or null when nobody holds the name (or it does not answer within 2 s). */
export function queryLock(name: string): Promise<LockAnswer | null> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect({ path: name });
    const done = (v: LockAnswer | null) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(2000, () => done(null));
    socket.on('data', (d) => (text += d));
    socket.on('end', () => {
      try {
        const v = JSON.parse(text) as LockAnswer;
        done(typeof v.pid === 'number' ? v : null);
      } catch {
        done(null);
      }
    });
    socket.on('error', () => done(null));
  });
}

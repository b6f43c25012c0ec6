/**
 * The agent's home inside an isolated container is the host user's home path (so that `~` typed on
 * the host, which the host's shell expands, means the agent's home in `ccdk exec`), owned by the
 * agent's user. The engine creates mount points as root, so the home is put into the container
 * before it starts, as a tar stream for `docker cp -` (which keeps the owners the headers give): a few
 * folder entries.
 * A tar of folders is a header each; a library for that would be most of this file again.
 */
import { posix } from 'node:path';

interface Entry {
  path: string;
  mode: number;
  uid: number;
  gid: number;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(e: Entry, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  let name = `${e.path}/`;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = e.path.lastIndexOf('/', 154);
    prefix = e.path.slice(0, cut);
    name = `${e.path.slice(cut + 1)}/`;
    if (cut <= 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`home path too long for the container: /${e.path}`);
  }
  h.write(name, 0, 100, 'utf8');
  h.write(octal(e.mode, 8), 100, 'ascii');
  h.write(octal(e.uid, 8), 108, 'ascii');
  h.write(octal(e.gid, 8), 116, 'ascii');
  h.write(octal(0, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('5', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** Folder entries for `home` and its `.claude`: the ancestors root's, the home the user's. */
export function homeEntries(home: string, uid: number, gid: number): Entry[] {
  const parts = posix.normalize(home).split('/').filter(Boolean);
  if (parts.length === 0) throw new Error('the home folder cannot be /');
  const out: Entry[] = [];
  for (let i = 1; i < parts.length; i++) out.push({ path: parts.slice(0, i).join('/'), mode: 0o755, uid: 0, gid: 0 });
  out.push({ path: parts.join('/'), mode: 0o755, uid, gid });
  out.push({ path: `${parts.join('/')}/.claude`, mode: 0o700, uid, gid });
  return out;
}

/** A tar archive (for `docker cp - NAME:/`) that creates the agent's home. */
export function homeArchive(home: string, uid: number, gid: number, now = Date.now()): Buffer {
  const mtime = Math.floor(now / 1000);
  return Buffer.concat([...homeEntries(home, uid, gid).map((e) => header(e, mtime)), Buffer.alloc(1024)]);
}

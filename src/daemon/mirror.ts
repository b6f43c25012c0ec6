/**
 * The session monitor's core: makes each project folder of the container's ~/.claude/projects
 * appear on the host as ~/.claude/projects/ccbox-<instance>-<encoded-cwd>/, by mirroring appended
 * bytes. The host file's size is the checkpoint: each pass copies the container file's bytes from
 * there to its end. A host file is therefore always a prefix of its container file: no line is
 * lost (whatever is written, while a folder is being set up or while the daemon is down, is copied
 * on the next pass) and none is duplicated (bytes are only ever appended past the checkpoint).
 * Nothing in the container is moved or replaced, so writers are never disturbed.
 *
 * It never follows a link: links in the container's folders are skipped, and a link found where a
 * host folder or file should be is refused (O_NOFOLLOW), so nothing is written outside the folders
 * it owns.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, writeFileSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { encodeCwd, INSTANCE_PREFIX, METADATA_FILE, parseProjectFolder, type CcboxMetadata } from '../sessions/attribution.js';

export interface MirrorOptions {
  /** The container's projects folder (~/.claude/projects). */
  source: string;
  /** The host's projects folder as mounted in the container (~/.claude-host/.claude/projects). */
  target: string;
  instance: string;
  metadata: CcboxMetadata;
  log?: (s: string) => void;
}

export interface PassStats {
  folders: number;
  files: number;
  bytes: number;
  refused: number;
}

const CHUNK = 1 << 20;

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

export function hostFolderName(instance: string, project: string): string {
  return `${INSTANCE_PREFIX}${instance}-${project}`;
}

export class Mirror {
  private readonly log: (s: string) => void;
  private readonly metaText: string;

  constructor(private readonly o: MirrorOptions) {
    this.log = o.log ?? (() => {});
    this.metaText = JSON.stringify({ ...o.metadata, instance: o.instance }, null, 1) + '\n';
  }

  /** A real folder at `path` (created if missing); false when something else (a link) is there. */
  private ownFolder(path: string): boolean {
    const st = lstatOrNull(path);
    if (st === null) {
      mkdirSync(path, { mode: 0o755 });
      return true;
    }
    if (st.isDirectory()) return true;
    this.log(`refused: ${path} is not a real folder (a link or a file); not writing through it`);
    return false;
  }

  /** The host folder of one container project folder, with its metadata file. */
  private hostFolder(project: string): string | null {
    if (!this.ownFolder(this.o.target)) return null;
    const dir = join(this.o.target, hostFolderName(this.o.instance, project));
    if (!this.ownFolder(dir)) return null;
    const meta = join(dir, METADATA_FILE);
    const st = lstatOrNull(meta);
    if (st === null) {
      const tmp = `${meta}.${process.pid}.tmp`;
      writeFileSync(tmp, this.metaText, { flag: 'wx' });
      renameSync(tmp, meta);
    }
    return dir;
  }

  /** Creates the host folder of a working directory before the agent writes there. */
  prelink(workspace: string): string | null {
    const project = encodeCwd(workspace);
    const dir = this.hostFolder(project);
    mkdirSync(join(this.o.source, project), { recursive: true });
    return dir;
  }

  /** One pass over every project folder: copies whatever is new. */
  pass(): PassStats {
    const stats: PassStats = { folders: 0, files: 0, bytes: 0, refused: 0 };
    let names: string[];
    try {
      names = readdirSync(this.o.source);
    } catch {
      return stats; // no projects folder yet
    }
    for (const name of names) {
      const st = lstatOrNull(join(this.o.source, name));
      if (!st || !st.isDirectory()) continue; // links are never followed
      const dir = this.hostFolder(name);
      if (!dir) {
        stats.refused++;
        continue;
      }
      stats.folders++;
      this.copyTree(join(this.o.source, name), dir, stats);
    }
    return stats;
  }

  private copyTree(src: string, dst: string, stats: PassStats): void {
    let names: string[];
    try {
      names = readdirSync(src);
    } catch {
      return;
    }
    for (const name of names) {
      const s = join(src, name);
      const d = join(dst, name);
      const st = lstatOrNull(s);
      if (!st) continue;
      if (st.isDirectory()) {
        if (this.ownFolder(d)) this.copyTree(s, d, stats);
        else stats.refused++;
      } else if (st.isFile()) {
        const n = this.copyFile(s, d);
        if (n < 0) stats.refused++;
        else {
          stats.files++;
          stats.bytes += n;
        }
      }
    }
  }

  /** Appends the source's bytes past the destination's size; -1 when the destination is refused. */
  copyFile(src: string, dst: string): number {
    let out: number;
    try {
      out = openSync(dst, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
    } catch (err) {
      this.log(`refused: ${dst}: ${(err as Error).message}`);
      return -1;
    }
    let input: number | null = null;
    try {
      const have = fstatSync(out).size;
      input = openSync(src, constants.O_RDONLY | constants.O_NOFOLLOW);
      const size = fstatSync(input).size;
      if (size < have) {
        // The container file was cut short or rewritten: not a transcript's way, but follow it so
        // later appends are not skipped (the host keeps the old bytes in a side file).
        this.log(`${src} shrank from ${have} to ${size} bytes: starting its host copy again (old copy kept as ${dst}.replaced-${Date.now()})`);
        closeSync(out);
        renameSync(dst, `${dst}.replaced-${Date.now()}`);
        out = openSync(dst, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
        return this.copyRange(input, out, 0, size);
      }
      return this.copyRange(input, out, have, size);
    } catch (err) {
      this.log(`could not copy ${src}: ${(err as Error).message}`);
      return 0;
    } finally {
      closeSync(out);
      if (input !== null) closeSync(input);
    }
  }

  private copyRange(input: number, out: number, from: number, to: number): number {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, to - from)));
    let pos = from;
    while (pos < to) {
      const n = readSync(input, buf, 0, Math.min(buf.length, to - pos), pos);
      if (n === 0) break;
      let written = 0;
      while (written < n) written += writeSync(out, buf, written, n - written);
      pos += n;
    }
    return pos - from;
  }

  /**
   * A new container of the same instance: this instance's host folders come back into the
   * container (so `claude --resume` finds earlier sessions). Only folders whose name parses to this
   * exact instance are taken: `ccbox-my--x` is never adopted by instance `my-agent`, nor the reverse.
   */
  restore(): number {
    let names: string[];
    try {
      names = readdirSync(this.o.target);
    } catch {
      return 0;
    }
    let restored = 0;
    for (const name of names) {
      const parsed = parseProjectFolder(name);
      if (parsed.instance !== this.o.instance) continue;
      const st = lstatOrNull(join(this.o.target, name));
      if (!st || !st.isDirectory()) continue;
      const into = join(this.o.source, parsed.project);
      mkdirSync(into, { recursive: true });
      restored += this.restoreTree(join(this.o.target, name), into);
    }
    return restored;
  }

  private restoreTree(from: string, into: string): number {
    let n = 0;
    for (const name of readdirSync(from)) {
      if (name === METADATA_FILE || name.includes('.replaced-')) continue;
      const s = join(from, name);
      const d = join(into, name);
      const st = lstatOrNull(s);
      if (!st) continue;
      if (st.isDirectory()) {
        const dst = lstatOrNull(d);
        if (dst === null) mkdirSync(d);
        else if (!dst.isDirectory()) continue;
        n += this.restoreTree(s, d);
      } else if (st.isFile()) {
        // Only what the container lacks: a container file is never shortened or rewritten.
        const dst = lstatOrNull(d);
        if (dst !== null && (!dst.isFile() || dst.size >= st.size)) continue;
        if (this.copyFile(s, d) > 0) n++;
      }
    }
    return n;
  }
}

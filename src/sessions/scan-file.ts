/**
 * Streaming scan of one session file: fixed-size buffers, candidate lines found in the raw bytes,
 * only candidates parsed. Never holds a whole file (or a whole long non-usage line) in memory:
 * a line longer than the buffer is skipped through unless it can carry usage, and then it alone
 * is read back by offset.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { eventsFromRecord } from '../usage/parse.js';
import type { FileWarnings, ScanSlot, UsageEvent } from '../usage/types.js';
import type { EncodedEvents } from '../usage/event-codec.js';
import { createHash, type Hash } from 'node:crypto';

/** Every usage line holds `…_tokens"` (message usage) or `"tokens"` (the simple format). */
const PATTERN = Buffer.from('tokens"');
const NL = 10;
const CR = 13;
export const DEFAULT_CHUNK = 128 << 10;
/** Longer usage lines than this are not parsed (V8 strings stop near 512 MiB anyway). */
const MAX_LINE = 256 << 20;

export interface ScanOptions {
  fileIndex: ScanSlot;
  subagentFile: boolean;
  /** Byte offset to start from (a ledger checkpoint); must be a line start. */
  start?: number;
  chunkSize?: number;
  /** Take the ledger's fingerprint of what was read (a digest of every byte: only the ledger needs it). */
  fingerprint?: boolean;
  /** The digest of the bytes before `start`, already made (the sync's check of them): it is carried on. */
  prefix?: PrefixHash;
}

export interface FileScan {
  events: UsageEvent<ScanSlot>[];
  /** The same events already encoded (when they came from a worker), for storing without re-encoding. */
  encoded?: EncodedEvents;
  warnings: FileWarnings;
  /** Offset just past the last complete line read; the next incremental read starts here. */
  endOffset: number;
  /** Size of the file when it was opened. */
  size: number;
  /** The first bytes, and a digest of every byte before endOffset: the ledger's fingerprint of what was read. */
  head: Buffer;
  tail: Buffer;
}

export const HEAD_BYTES = 256;
const HASH_CHUNK = 1 << 20;
let hashBuffer: Buffer | null = null;

/**
 * The consumed prefix's fingerprint beyond its head: a SHA-1 of every byte of [0, checkpoint). An
 * in-place rewrite (`cat new > file`) that keeps the length, the first bytes and the last ones
 * still changes it; sampled windows missed a changed digit in the middle (the ledger's property
 * test found such cases). It costs one more read of a file being read, from the page cache as a rule.
 */
export function prefixDigest(fd: number, checkpoint: number, from?: PrefixHash): Buffer {
  return prefixHash(fd, checkpoint, from).hash.digest();
}

/** A digest being made of a file's first `at` bytes, which can be carried on over more of them. */
export interface PrefixHash {
  hash: Hash;
  at: number;
}

/**
 * The digest of [0, checkpoint) not yet finished; `from`: one already made of fewer of the same
 * bytes (the sync's check of what it read before), carried on over the rest only.
 */
export function prefixHash(fd: number, checkpoint: number, from?: PrefixHash): PrefixHash {
  const carry = from !== undefined && from.at <= checkpoint;
  const h = carry ? from.hash.copy() : createHash('sha1');
  const b = (hashBuffer ??= Buffer.allocUnsafeSlow(HASH_CHUNK));
  let at = carry ? from.at : 0;
  while (at < checkpoint) {
    const n = readSync(fd, b, 0, Math.min(HASH_CHUNK, checkpoint - at), at);
    if (n === 0) break;
    h.update(b.subarray(0, n));
    at += n;
  }
  return { hash: h, at };
}

/** Bytes start..end of an open file (fewer if it is shorter). */
export function pread(fd: number, start: number, end: number): Buffer {
  const b = Buffer.alloc(Math.max(0, end - start));
  let got = 0;
  while (got < b.length) {
    const n = readSync(fd, b, got, b.length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  return b.subarray(0, got);
}

/** Bytes start..end of a file; null when it cannot be read. */
export function readRange(path: string, start: number, end: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    return pread(fd, start, end);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

export function newWarnings(path: string): FileWarnings {
  return { path, malformed: 0, invalid: 0, partialTail: false, error: null };
}

export function scanFile(path: string, opts: ScanOptions): FileScan {
  const warnings = newWarnings(path);
  const events: UsageEvent<ScanSlot>[] = [];
  const start = opts.start ?? 0;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    warnings.error = describeError(err);
    return { events, warnings, endOffset: start, size: 0, head: Buffer.alloc(0), tail: Buffer.alloc(0) };
  }
  try {
    const size = fstatSync(fd).size;
    const endOffset = scanFd(fd, opts, start, events, warnings);
    const head = opts.fingerprint ? pread(fd, 0, Math.min(HEAD_BYTES, endOffset)) : Buffer.alloc(0);
    const tail = opts.fingerprint ? prefixDigest(fd, endOffset, opts.prefix) : Buffer.alloc(0);
    return { events, warnings, endOffset, size, head, tail };
  } catch (err) {
    warnings.error = describeError(err);
    return { events, warnings, endOffset: start, size: 0, head: Buffer.alloc(0), tail: Buffer.alloc(0) };
  } finally {
    closeSync(fd);
  }
}

// One buffer per thread, reused for every file: a fresh large buffer per file costs page faults.
let shared: Buffer | null = null;
function bufferOf(size: number): Buffer {
  if (size !== DEFAULT_CHUNK) return Buffer.allocUnsafe(Math.max(size, 64));
  return (shared ??= Buffer.allocUnsafeSlow(DEFAULT_CHUNK));
}

function scanFd(fd: number, opts: ScanOptions, start: number, events: UsageEvent<ScanSlot>[], w: FileWarnings): number {
  const buf = bufferOf(opts.chunkSize ?? DEFAULT_CHUNK);
  let bufStart = start; // file offset of buf[0]
  let len = 0;
  let committed = start;
  // A line longer than the buffer: where it began, and whether the bytes dropped so far hold the pattern.
  let longStart = -1;
  let longCandidate = false;

  // Session id, cwd and model repeat on every line of a file: keep one copy of each.
  const interned = new Map<string, string>();
  const intern = (s: string): string => {
    const hit = interned.get(s);
    if (hit !== undefined) return hit;
    interned.set(s, s);
    return s;
  };
  const handle = (text: string, offset: number, terminated: boolean): boolean => {
    let rec: unknown;
    try {
      rec = JSON.parse(text);
    } catch {
      if (terminated) w.malformed++;
      return false;
    }
    const r = eventsFromRecord(rec, { fileIndex: opts.fileIndex, offset, subagentFile: opts.subagentFile, intern });
    w.invalid += r.invalid;
    for (const e of r.events) events.push(e);
    return true;
  };
  const readLine = (from: number, to: number, terminated: boolean): boolean => {
    if (to - from > MAX_LINE) {
      w.malformed++;
      return false;
    }
    const b = Buffer.allocUnsafe(to - from);
    let got = 0;
    while (got < b.length) {
      const n = readSync(fd, b, got, b.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return handle(trimCR(b.toString('utf8', 0, got)), from, terminated);
  };

  for (;;) {
    const n = readSync(fd, buf, len, buf.length - len, bufStart + len);
    len += n;
    const eof = n === 0;
    const lastNL = len > 0 ? buf.lastIndexOf(NL, len - 1) : -1;
    let p = 0;
    if (lastNL >= 0) {
      const end = lastNL + 1;
      if (longStart >= 0) {
        // The first complete line began before this buffer.
        const firstNL = buf.indexOf(NL);
        const hit = buf.indexOf(PATTERN);
        if (longCandidate || (hit >= 0 && hit < firstNL)) readLine(longStart, bufStart + firstNL, true);
        longStart = -1;
        longCandidate = false;
        p = firstNL + 1;
      }
      while (p < end) {
        const i = buf.indexOf(PATTERN, p);
        if (i < 0 || i >= end) break;
        const ls = i === 0 ? 0 : buf.lastIndexOf(NL, i - 1) + 1;
        if (ls > p) w.malformed += undecodableLines(buf, p, ls);
        const le = buf.indexOf(NL, i);
        handle(trimCR(buf.toString('utf8', Math.max(ls, p), le)), bufStart + Math.max(ls, p), true);
        p = le + 1;
      }
      if (p < end) w.malformed += undecodableLines(buf, p, end);
      committed = bufStart + end;
      p = end;
    }
    if (eof) {
      // An unterminated last line: counted when it is already valid JSON (many writers omit the final
      // newline), else left for the next read as a line still being written.
      if (longStart >= 0 || p < len) {
        const from = longStart >= 0 ? longStart : bufStart + p;
        const tail = buf.subarray(p, len);
        const candidate = (longStart >= 0 && longCandidate) || tail.indexOf(PATTERN) >= 0;
        if (candidate) {
          const ok = longStart >= 0 ? readLine(from, bufStart + len, false) : handle(trimCR(tail.toString('utf8')), from, false);
          if (ok) committed = bufStart + len;
          else w.partialTail = true;
        } else if (isBlank(tail) && longStart < 0) {
          committed = bufStart + len;
        } else if (lastNonBlank(tail) !== 0x7d) {
          // Not a usage line so far, and not a finished JSON object either: still being written.
          w.partialTail = true;
        }
      }
      return committed;
    }
    // Keep the incomplete line at the front of the buffer.
    if (p > 0) {
      buf.copy(buf, 0, p, len);
      bufStart += p;
      len -= p;
    }
    if (len === buf.length) {
      // No newline in a full buffer: remember the line and drop its bytes, keeping an overlap so a
      // pattern split across the boundary is still seen.
      if (longStart < 0) longStart = bufStart;
      if (buf.indexOf(PATTERN) >= 0) longCandidate = true;
      const keep = PATTERN.length - 1;
      buf.copy(buf, 0, len - keep, len);
      bufStart += len - keep;
      len = keep;
    }
  }
}

/**
 * Complete lines in buf[from, to) that cannot be a transcript record: not blank, and not starting
 * with `{` and ending with `}` (a NUL-filled line, binary junk, a line cut off mid-record). Such
 * lines carry no usage pattern, so they are never parsed; looking at their first and last bytes
 * is enough to count them as skipped.
 */
function undecodableLines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let q = from; q < to; ) {
    let e = buf.indexOf(NL, q);
    if (e < 0 || e > to) e = to;
    let a = q;
    while (a < e && (buf[a] === 32 || buf[a] === 9 || buf[a] === 13)) a++;
    let z = e - 1;
    while (z >= a && (buf[z] === 32 || buf[z] === 9 || buf[z] === 13)) z--;
    if (a <= z && (buf[a] !== 0x7b || buf[z] !== 0x7d)) n++;
    q = e + 1;
  }
  return n;
}

function trimCR(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === CR ? s.slice(0, -1) : s;
}

function lastNonBlank(b: Buffer): number {
  for (let i = b.length - 1; i >= 0; i--) if (b[i] !== 32 && b[i] !== 9 && b[i] !== 13 && b[i] !== 10) return b[i]!;
  return -1;
}

function isBlank(b: Buffer): boolean {
  for (const c of b) if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  return true;
}

export function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && e.code === 'EACCES') return 'permission denied';
  if (e && e.code === 'ENOENT') return 'file vanished or dangling link';
  if (e && e.code === 'EISDIR') return 'is a folder';
  return e && e.message ? e.message : String(err);
}

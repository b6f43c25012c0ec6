/**
 * The ledger's log of files: each session file's identity, checkpoint, origin and counts of what
 * could not be used, its fingerprint, and its events in segments (one per read, tagged with the
 * generation that added it: what changed since a generation is a query).
 */
import type { EncodedEvents } from '../usage/event-codec.js';
import type { FileId, FileOrigin, FileWarnings } from '../usage/types.js';
import { aligned, bytesOf, Tables } from './statements.js';

export interface StoredFile {
  id: FileId;
  path: string;
  dataDir: string;
  dev: number;
  ino: number;
  head: Buffer;
  tail: Buffer;
  size: number;
  mtimeMs: number;
  checkpoint: number;
  present: boolean;
  origin: FileOrigin;
  warnings: FileWarnings;
}

export type FileEntry = Omit<StoredFile, 'head' | 'tail'>;

export interface StoredSegment {
  fileId: FileId;
  start: number;
  events: EncodedEvents;
}

interface SegmentRow {
  file_id: number;
  start: number;
  count: number;
  nums: Buffer;
  strs: string;
}

function toSegment(row: SegmentRow): StoredSegment {
  return { fileId: row.file_id as FileId, start: row.start, events: { count: row.count, nums: aligned(row.nums), strs: row.strs } };
}

/** A row of the file table as catalog() reads it (an array: this runs on every report, over every file). */
type FileRow = [
  id: number, path: string, dataDir: string, dev: number, ino: number, size: number, mtimeMs: number, checkpoint: number, present: number,
  origin: string, malformed: number, invalid: number, partialTail: number, error: string | null,
];

export class FileLog extends Tables {
  /** Every file without its fingerprint bytes: what reports need to know of them. */
  catalog(): FileEntry[] {
    const rows = this.sql(
      `SELECT id, path, data_dir, dev, ino, size, mtime_ms, checkpoint, present, origin, malformed, invalid, partial_tail, error FROM files`,
    ).raw().all() as FileRow[];
    return rows.map(toEntry);
  }

  /**
   * Every file's id, path, data folder and attribution as stored (JSON, unparsed): what fleet sync
   * compares with what it sent last, cheaply (parsing 13,000 origins costs ~60 ms).
   */
  storedOrigins(): StoredOrigin[] {
    return this.sql(`SELECT id, path, data_dir, origin FROM files ORDER BY id`).raw().all() as StoredOrigin[];
  }

  fingerprint(id: number): { head: Buffer; tail: Buffer } {
    return (this.sql(`SELECT head, tail FROM fingerprints WHERE file_id = ?`).get(id) as { head: Buffer; tail: Buffer } | undefined) ?? { head: Buffer.alloc(0), tail: Buffer.alloc(0) };
  }

  /** Inserts or updates a file's row; returns its id. */
  saveFile(f: Omit<StoredFile, 'id'> & { id?: FileId }): FileId {
    const values = [
      f.path,
      f.dataDir,
      f.dev,
      f.ino,
      f.size,
      f.mtimeMs,
      f.checkpoint,
      f.present ? 1 : 0,
      originJson(f.origin),
      f.warnings.malformed,
      f.warnings.invalid,
      f.warnings.partialTail ? 1 : 0,
      f.warnings.error,
    ];
    let id = f.id;
    if (id !== undefined) {
      this.sql(
        `UPDATE files SET path = ?, data_dir = ?, dev = ?, ino = ?, size = ?, mtime_ms = ?, checkpoint = ?, present = ?, origin = ?, malformed = ?, invalid = ?, partial_tail = ?, error = ? WHERE id = ?`,
      ).run(...values, id);
    } else {
      const r = this.sql(
        `INSERT INTO files (path, data_dir, dev, ino, size, mtime_ms, checkpoint, present, origin, malformed, invalid, partial_tail, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...values);
      id = Number(r.lastInsertRowid) as FileId;
    }
    this.sql(`INSERT OR REPLACE INTO fingerprints (file_id, head, tail) VALUES (?, ?, ?)`).run(id, f.head, f.tail);
    return id!;
  }

  /** A file that could not be read this time: its counted events and fingerprint stay. */
  markUnreadable(id: number, path: string, error: string): void {
    this.sql(`UPDATE files SET path = ?, present = 1, error = ? WHERE id = ?`).run(path, error, id);
  }

  setOrigin(id: number, origin: FileOrigin): void {
    this.sql(`UPDATE files SET origin = ? WHERE id = ?`).run(originJson(origin), id);
  }

  /**
   * A deleted file's row gives its path up to a new file there: it keeps its events under a path no
   * file on disk can have (a session file's name ends in .jsonl).
   */
  retirePath(id: number, path: string): string {
    const retired = `${path}#deleted-${id}`;
    this.sql(`UPDATE files SET path = ? WHERE id = ?`).run(retired, id);
    return retired;
  }

  setPresent(id: number, present: boolean): void {
    this.sql(`UPDATE files SET present = ? WHERE id = ?`).run(present ? 1 : 0, id);
  }

  /** Removes a file's events; returns how many segments held them. */
  clearSegments(fileId: number): number {
    return this.sql(`DELETE FROM segments WHERE file_id = ?`).run(fileId).changes;
  }

  /** Stores events read from [start, end) of a file by the sync that makes generation `gen`. */
  addSegment(fileId: number, start: number, end: number, events: EncodedEvents, gen: number): void {
    this.sql(`INSERT OR REPLACE INTO segments (file_id, start, end, count, nums, strs, gen) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(fileId, start, end, events.count, bytesOf(events.nums), events.strs, gen);
  }

  /** The stored events of the given files, one file at a time (all its segments, in offset order). */
  *segmentsByFile(fileIds: ReadonlySet<number>): Generator<{ fileId: FileId; events: EncodedEvents[] }> {
    if (fileIds.size === 0) return;
    let current: { fileId: FileId; events: EncodedEvents[] } | null = null;
    for (const row of this.sql(`SELECT file_id, start, count, nums, strs FROM segments ORDER BY file_id, start`).iterate() as IterableIterator<SegmentRow>) {
      if (!fileIds.has(row.file_id) || row.count === 0) continue;
      if (current && current.fileId !== row.file_id) {
        yield current;
        current = null;
      }
      current ??= { fileId: row.file_id as FileId, events: [] };
      current.events.push(toSegment(row).events);
    }
    if (current) yield current;
  }

  /**
   * Segments added by generations after `gen` (and not after `upTo`), in the order they were added. (In file and offset
   * order, SQLite walked every segment's key to sort them: 2 ms of each live round at 1 GiB.)
   */
  segmentsSince(gen: number, upTo = Number.MAX_SAFE_INTEGER): StoredSegment[] {
    const rows = this.sql(`SELECT file_id, start, count, nums, strs FROM segments WHERE gen > ? AND gen <= ? ORDER BY gen`).all(gen, upTo) as SegmentRow[];
    return rows.map(toSegment);
  }

  /**
   * The segments after (gen, file, start), in that order, each with the generation that added it:
   * what a fleet sync has not sent yet. Read as they are used (a first sync reads the whole log).
   */
  *segmentsAfter(gen: number, fileId: number, start: number): Generator<StoredSegment & { gen: number }> {
    const rows = this.sql(`SELECT gen, file_id, start, count, nums, strs FROM segments WHERE (gen, file_id, start) > (?, ?, ?) AND count > 0 ORDER BY gen, file_id, start`).iterate(gen, fileId, start) as IterableIterator<SegmentRow & { gen: number }>;
    for (const row of rows) yield { ...toSegment(row), gen: row.gen };
  }

  /** All segments of one file, in offset order. */
  segmentsOf(fileId: number): StoredSegment[] {
    return (this.sql(`SELECT file_id, start, count, nums, strs FROM segments WHERE file_id = ? ORDER BY start`).all(fileId) as SegmentRow[]).map(toSegment);
  }

  hasSegments(fileId: number): boolean {
    return this.sql(`SELECT 1 FROM segments WHERE file_id = ? LIMIT 1`).get(fileId) !== undefined;
  }
}

/**
 * The origin as stored: without its path and data folder, which are columns of their own. Spelled
 * out: JSON.stringify given a list of keys takes a slow path (7,000 origins: ~27 ms, this ~12 ms).
 */
function originJson(o: FileOrigin): string {
  const stored: Omit<FileOrigin, 'path' | 'dataDir'> = {
    host: o.host,
    projectDir: o.projectDir,
    project: o.project,
    instance: o.instance,
    mode: o.mode,
    team: o.team,
    agent: o.agent,
    role: o.role,
    container: o.container,
    pathSessionId: o.pathSessionId,
    subagentFile: o.subagentFile,
  };
  return JSON.stringify(stored);
}

/** A file's attribution as stored: id, path, data folder, the origin's other fields as JSON. */
export type StoredOrigin = [id: FileId, path: string, dataDir: string, origin: string];

/** The origin of a stored file (path and data folder are columns of their own, not in the JSON). */
export function originOf(path: string, dataDir: string, json: string): FileOrigin {
  const origin = JSON.parse(json) as FileOrigin;
  origin.path = path;
  origin.dataDir = dataDir;
  return origin;
}

function toEntry(r: FileRow): FileEntry {
  const path = r[1];
  const origin = originOf(path, r[2], r[9]);
  return {
    id: r[0] as FileId,
    path,
    dataDir: r[2],
    dev: r[3],
    ino: r[4],
    size: r[5],
    mtimeMs: r[6],
    checkpoint: r[7],
    present: r[8] === 1,
    origin,
    warnings: { path, malformed: r[10], invalid: r[11], partialTail: r[12] === 1, error: r[13] },
  };
}

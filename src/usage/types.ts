/**
 * Data shapes shared by the scanner, the dedup/pricing/aggregation core and every consumer.
 * One UsageEvent is one usage record found in a transcript line (before global dedup).
 */

/** Where a session file sits and whom its spend belongs to. One per file, shared by its events. */
export interface FileOrigin {
  /** Host that holds the file (os.hostname() for local scans). */
  host: string;
  /** Absolute path of the session file as found (not resolved through links). */
  path: string;
  /** The Claude data folder (the one holding `projects/`). */
  dataDir: string;
  /** Folder name directly under `projects/` as written on disk. */
  projectDir: string;
  /** Encoded cwd of the project (projectDir without any `ccbox-<instance>-` prefix). */
  project: string;
  /** Container instance for isolated-mode folders; null for the host's own sessions. */
  instance: string | null;
  mode: 'isolated' | 'shared' | 'host';
  /** From the `.ccbox.json` metadata file, when present. */
  team: string | null;
  agent: string | null;
  role: string | null;
  container: string | null;
  /** Session id derived from the path (`<uuid>.jsonl` or `<uuid>/subagents/...`); null for old `agent-*.jsonl`. */
  pathSessionId: string | null;
  /** The file is a subagent transcript (`<session>/subagents/agent-*.jsonl` or `agent-*.jsonl`). */
  subagentFile: boolean;
}

/** Every field of FileOrigin (for comparing origins field by field). */
export const ORIGIN_KEYS = [
  'host', 'path', 'dataDir', 'projectDir', 'project', 'instance', 'mode', 'team', 'agent', 'role', 'container', 'pathSessionId', 'subagentFile',
] as const satisfies ReadonlyArray<keyof FileOrigin>;
// Fails to compile when FileOrigin gains a field the list lacks.
const everyOriginKey: Exclude<keyof FileOrigin, (typeof ORIGIN_KEYS)[number]> extends never ? true : never = true;
void everyOriginKey;

export type Speed = 'standard' | 'fast';

declare const fileRef: unique symbol;
/**
 * The three index spaces a file is named by, kept apart by the compiler: an event or row bound to
 * one cannot be used where another is meant (reports take rows bound to view places only).
 */
/** A file's id in the ledger (`files.id`): stable across runs. */
export type FileId = number & { readonly [fileRef]: 'FileId' };
/** A file's place in one scan's list of jobs. */
export type ScanSlot = number & { readonly [fileRef]: 'ScanSlot' };
/** A file's place in a view's file table (`UsageView.files`): what report rows point at. */
export type FilePos = number & { readonly [fileRef]: 'FilePos' };
export type FileRef = FileId | ScanSlot | FilePos;

/** One usage record from one line. Token counts are validated non-negative integers. */
export interface UsageEvent<F extends FileRef = FileRef> {
  /** `message.id`; null when the line has none (such events are never deduplicated). */
  messageId: string | null;
  requestId: string | null;
  /** Epoch milliseconds. */
  timestamp: number;
  /** Model name as written; null when the line names none. */
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  /** The line is in the seed guide's simple format (its cost is the recorded one, in every mode). */
  simple: boolean;
  /** Tokens of the seed guide's simple `{"timestamp","model","tokens","cost"}` line (no split known); else 0. */
  unsplitTokens: number;
  /** `costUSD` (or the simple format's `cost`) when the line records one. */
  recordedCost: number | null;
  speed: Speed;
  /** The line's own `isSidechain` flag. */
  sidechain: boolean;
  /** Subagent usage: from a subagent file, or nested in a parent's `progress` line. */
  subagent: boolean;
  sessionId: string | null;
  cwd: string | null;
  /** The file the event was read from, in the index space `F`. */
  fileIndex: F;
  /** Byte offset of the line in its file. */
  offset: number;
}

/** Per-file counts of what could not be used. */
export interface FileWarnings {
  path: string;
  /** Lines that look like usage lines but are not valid JSON. */
  malformed: number;
  /** Usage records rejected by validation (bad timestamp, negative or non-integer counts). */
  invalid: number;
  /** An unterminated last line that is not (yet) valid JSON: left for the next read. */
  partialTail: boolean;
  /** The file could not be read (permissions, vanished, dangling link...). */
  error: string | null;
}

export interface TokenTotals {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  totalCost: number;
}

export type CostMode = 'auto' | 'calculate' | 'display';

/** The same events bound to another index space (in place: a scan's events become the ledger's, say). */
export function bindEvents<F extends FileRef>(events: UsageEvent[], to: F): UsageEvent<F>[] {
  for (const e of events) e.fileIndex = to;
  return events as UsageEvent<F>[];
}

export function eventTokens(e: UsageEvent): number {
  return e.inputTokens + e.outputTokens + e.cacheWrite5mTokens + e.cacheWrite1hTokens + e.cacheReadTokens + e.unsplitTokens;
}

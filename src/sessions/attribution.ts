/**
 * Who a session file belongs to, from its place under `projects/` and the `.ccbox.json` metadata
 * file that ccdk writes beside the data. Pure.
 */

/** The metadata file ccdk writes in each host project folder of a container. */
export const METADATA_FILE = '.ccbox.json';
export const INSTANCE_PREFIX = 'ccbox-';

export interface CcboxMetadata {
  instance?: string;
  container?: string;
  context?: string | null;
  agent?: string | null;
  role?: string | null;
  host?: string;
  mode?: 'isolated' | 'shared';
}

const INSTANCE_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Null when the name is valid; else the reason, for a clear error message. */
export function instanceNameProblem(name: string): string | null {
  if (!INSTANCE_RE.test(name)) return 'must start with a letter or digit and hold only letters, digits, "_", "." and "-"';
  if (name.includes('--')) return 'must not contain "--"';
  if (name.endsWith('-')) return 'must not end with "-"';
  return null;
}

/** Claude Code's folder name for a working directory: every non-alphanumeric character becomes `-`. */
export function encodeCwd(cwd: string): string {
  return cwd.replace(/[^A-Za-z0-9]/g, '-');
}

export interface ProjectFolder {
  /** Encoded cwd of the project. */
  project: string;
  instance: string | null;
}

/**
 * `ccbox-<instance>-<encoded-cwd>`: encoded cwds start with `-` and instance names hold no `--`, so
 * the first `--` after the prefix splits the name unambiguously.
 */
export function parseProjectFolder(name: string): ProjectFolder {
  if (name.startsWith(INSTANCE_PREFIX)) {
    const rest = name.slice(INSTANCE_PREFIX.length);
    const cut = rest.indexOf('--');
    if (cut > 0) {
      const instance = rest.slice(0, cut);
      if (instanceNameProblem(instance) === null) return { project: rest.slice(cut + 1), instance };
    }
  }
  return { project: name, instance: null };
}

export interface FilePlace {
  pathSessionId: string | null;
  subagentFile: boolean;
}

/** From the path parts below the project folder (`[file]` or `[session, 'subagents', file]`...). */
export function classifySessionPath(parts: readonly string[]): FilePlace {
  const file = parts[parts.length - 1] ?? '';
  const base = file.replace(/\.jsonl$/, '');
  if (parts.length === 1) {
    return base.startsWith('agent-') ? { pathSessionId: null, subagentFile: true } : { pathSessionId: base, subagentFile: false };
  }
  if (parts.length >= 3 && parts[parts.length - 2] === 'subagents') return { pathSessionId: parts[0]!, subagentFile: true };
  return { pathSessionId: null, subagentFile: base.startsWith('agent-') || parts.includes('subagents') };
}

/** Validates a parsed metadata file; unknown or mistyped fields are dropped, never trusted. */
export function readMetadata(v: unknown): CcboxMetadata | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const s = (x: unknown) => (typeof x === 'string' && x.length > 0 ? x : undefined);
  const md: CcboxMetadata = {};
  const instance = s(o.instance);
  if (instance && instanceNameProblem(instance) === null) md.instance = instance;
  md.container = s(o.container);
  md.context = s(o.context) ?? null;
  md.agent = s(o.agent) ?? null;
  md.role = s(o.role) ?? null;
  md.host = s(o.host);
  if (o.mode === 'isolated' || o.mode === 'shared') md.mode = o.mode;
  return md;
}

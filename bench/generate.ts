/**
 * Deterministic generator of Claude Code-shaped transcripts, with its own ground truth.
 *
 * Shaped like real data: a user line per turn (sometimes a large tool result), one assistant line
 * per content block repeating the message id and request id (earlier blocks are streaming partials
 * with smaller output counts), subagent files whose responses are also copied into the parent's
 * `progress` lines, host projects and `ccbox-<instance>-` folders. About a quarter of the bytes are
 * in usage lines, as in the real corpus.
 *
 * The ground truth is kept while writing: one entry per distinct response with its final usage,
 * priced here with the published per-token rates (no code shared with src/).
 *
 * With `odd: true` it also writes the cases where ccost and ccusage differ on purpose: responses
 * replayed without request id in resumed sessions, long-context requests, simple-format lines,
 * pretty-printed lines, malformed lines, `<synthetic>` and unknown models.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface GenerateOptions {
  bytes: number;
  seed?: number;
  odd?: boolean;
  /** Days spanned, ending at `endDay` (UTC). */
  days?: number;
  endDay?: string;
  pricesPath: string;
}

export interface TruthTotals {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  totalCost: number;
}

export interface Truth {
  totals: TruthTotals;
  byDay: Record<string, TruthTotals>;
  byAgent: Record<string, TruthTotals>;
  files: number;
  bytes: number;
  responses: number;
}

const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-6', 'claude-haiku-4-5-20251001', 'claude-sonnet-4-6', 'claude-opus-4-5-20251101'];
const WEIGHTS = [0.35, 0.2, 0.2, 0.15, 0.1];

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function empty(): TruthTotals {
  return { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, totalCost: 0 };
}

interface Usage {
  input: number;
  output: number;
  w5: number;
  w1: number;
  read: number;
}

export type Prices = Record<string, Record<string, number>>;

export function priceOf(prices: Prices, model: string, u: Usage): number {
  const p = prices[model];
  if (!p) return 0;
  const long = u.input + u.w5 + u.w1 + u.read > 200_000;
  const r = (k: string) => (long && p[`${k}_above_200k_tokens`] !== undefined ? p[`${k}_above_200k_tokens`]! : p[k] ?? 0);
  return u.input * r('input_cost_per_token') + u.output * r('output_cost_per_token') + u.w5 * r('cache_creation_input_token_cost') + u.w1 * 2 * r('input_cost_per_token') + u.read * r('cache_read_input_token_cost');
}

const FILLER = 'x'.repeat(1 << 16);
function text(n: number): string {
  let s = '';
  while (s.length < n) s += FILLER.slice(0, Math.min(FILLER.length, n - s.length));
  return s;
}

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}
function uuid(r: () => number): string {
  return `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
}

export function generateCorpus(dir: string, opts: GenerateOptions): Truth {
  const r = rng(opts.seed ?? 1);
  const prices = JSON.parse(readFileSync(opts.pricesPath, 'utf8')) as Prices;
  const days = opts.days ?? 45;
  const end = Date.parse(`${opts.endDay ?? '2025-11-30'}T00:00:00Z`);
  const start = end - days * 86_400_000;
  const truth: Truth = { totals: empty(), byDay: {}, byAgent: {}, files: 0, bytes: 0, responses: 0 };
  const projectsRoot = join(dir, 'projects');
  mkdirSync(projectsRoot, { recursive: true });

  const instances = ['alpha', 'beta', 'gamma-1', 'my-agent', 'my', 'team-a-lead', 'team-a-writer'];
  const folders: Array<{ name: string; agent: string; cwd: string }> = [];
  for (let i = 0; i < 6; i++) folders.push({ name: `-home-dev-proj${i}`, agent: 'host', cwd: `/home/dev/proj${i}` });
  for (const inst of instances)
    for (let i = 0; i < 2; i++) folders.push({ name: `ccbox-${inst}--workspace-app${i}`, agent: inst, cwd: `/workspace/app${i}` });
  for (const f of folders) {
    mkdirSync(join(projectsRoot, f.name), { recursive: true });
    if (f.agent !== 'host')
      writeFileSync(join(projectsRoot, f.name, '.ccbox.json'), JSON.stringify({ instance: f.agent, container: `ccbox-${f.agent}`, mode: 'isolated' }) + '\n');
  }

  const count = (agent: string, model: string, u: Usage, ts: number, plainTokens = 0, recordedCost: number | null = null) => {
    const cost = recordedCost ?? (model === '<synthetic>' ? 0 : priceOf(prices, model, u));
    const day = new Date(ts).toISOString().slice(0, 10);
    for (const t of [truth.totals, (truth.byDay[day] ??= empty()), (truth.byAgent[agent] ??= empty())]) {
      t.inputTokens += u.input;
      t.outputTokens += u.output;
      t.cacheCreationTokens += u.w5 + u.w1;
      t.cacheReadTokens += u.read;
      t.totalTokens += u.input + u.output + u.w5 + u.w1 + u.read + plainTokens;
      t.totalCost += cost;
    }
    truth.responses++;
  };

  let written = 0;
  let msgSeq = 0;
  const pick = () => {
    let x = r();
    for (let i = 0; i < MODELS.length; i++) if ((x -= WEIGHTS[i]!) <= 0) return MODELS[i]!;
    return MODELS[0]!;
  };
  const usageJson = (u: Usage, outputShown: number) =>
    `{"input_tokens":${u.input},"cache_creation_input_tokens":${u.w5 + u.w1},"cache_read_input_tokens":${u.read},"cache_creation":{"ephemeral_5m_input_tokens":${u.w5},"ephemeral_1h_input_tokens":${u.w1}},"output_tokens":${outputShown},"service_tier":"standard"}`;
  const newUsage = (long: boolean): Usage => {
    const read = long ? 150_000 + Math.floor(r() * 80_000) : Math.floor(r() * 90_000);
    const w = Math.floor(r() * 6000);
    const oneHour = r() < 0.4;
    return { input: 1 + Math.floor(r() * 400), output: 5 + Math.floor(r() * 2500), w5: oneHour ? 0 : w, w1: oneHour ? w : 0, read };
  };

  // Past assistant responses of each folder, so odd mode can replay them in a resumed session.
  const history = new Map<string, string[]>();

  while (written < opts.bytes) {
    const folder = folders[Math.floor(r() * folders.length)]!;
    const sessionId = uuid(r);
    const path = join(projectsRoot, folder.name, `${sessionId}.jsonl`);
    const fd = openSync(path, 'w');
    truth.files++;
    let t = start + Math.floor(r() * (end - start - 86_400_000));
    const model = pick();
    const turns = 5 + Math.floor(r() * 60);
    const chunks: string[] = [];
    let chunkBytes = 0;
    const emit = (line: string) => {
      chunks.push(line);
      chunkBytes += line.length + 1;
      if (chunkBytes > 1 << 20) flush();
    };
    const flush = () => {
      if (chunks.length === 0) return;
      const s = chunks.join('\n') + '\n';
      writeSync(fd, s);
      written += Buffer.byteLength(s);
      chunks.length = 0;
      chunkBytes = 0;
    };
    const head = `"isSidechain":false,"userType":"external","cwd":"${folder.cwd}","sessionId":"${sessionId}","version":"2.1.39","gitBranch":"main"`;
    const past = history.get(folder.name) ?? [];
    if (opts.odd && past.length > 0 && r() < 0.3) {
      // A resumed session: Claude Code replays earlier responses, here without request id.
      for (const old of past.slice(-5)) emit(old.replace(/"requestId":"[^"]*",/, ''));
    }
    let subagentLines: string[] = [];
    for (let turn = 0; turn < turns && written + chunkBytes < opts.bytes + (1 << 20); turn++) {
      t += 1000 + Math.floor(r() * 120_000);
      const big = r() < 0.12;
      const userText = big ? text(4000 + Math.floor(r() * 40_000)) : text(80 + Math.floor(r() * 1500));
      emit(`{"parentUuid":"${uuid(r)}",${head},"type":"user","message":{"role":"user","content":"${userText}"},"uuid":"${uuid(r)}","timestamp":"${new Date(t).toISOString()}"}`);
      if (r() < 0.1) emit(`{"type":"file-history-snapshot","messageId":"${uuid(r)}","snapshot":{"trackedFileBackups":{},"timestamp":"${new Date(t).toISOString()}"},"isSnapshotUpdate":false}`);
      t += 2000 + Math.floor(r() * 30_000);
      const ts = new Date(t).toISOString();
      const long = Boolean(opts.odd) && r() < 0.03;
      const u = newUsage(long);
      const thisModel = opts.odd && r() < 0.01 ? (r() < 0.5 ? '<synthetic>' : 'mystery-model-9') : model;
      const id = `msg_${(++msgSeq).toString(36).padStart(8, '0')}${hex(r, 12)}`;
      const req = `req_${hex(r, 24)}`;
      const blocks = 1 + Math.floor(r() * 3);
      for (let b = 0; b < blocks; b++) {
        const shown = b === blocks - 1 ? u.output : Math.max(1, Math.floor(u.output / (blocks - b + 1)));
        const content = `[{"type":"text","text":"${text(200 + Math.floor(r() * 2200))}"}]`;
        const line = `{"parentUuid":"${uuid(r)}",${head},"message":{"model":"${thisModel}","id":"${id}","type":"message","role":"assistant","content":${content},"stop_reason":null,"stop_sequence":null,"usage":${usageJson(u, shown)}},"requestId":"${req}","type":"assistant","uuid":"${uuid(r)}","timestamp":"${ts}"}`;
        emit(line);
        if (b === blocks - 1 && opts.odd) past.push(line);
      }
      count(folder.agent, thisModel, u, t);
      if (r() < 0.08) {
        // A subagent response: in the subagent's own file, and copied into the parent's progress line.
        const su = newUsage(false);
        const sid = `msg_${(++msgSeq).toString(36).padStart(8, '0')}${hex(r, 12)}`;
        const sreq = `req_${hex(r, 24)}`;
        const sts = new Date(t + 500).toISOString();
        const inner = `{"model":"claude-haiku-4-5-20251001","id":"${sid}","type":"message","role":"assistant","content":[{"type":"text","text":"${text(300)}"}],"usage":${usageJson(su, su.output)}}`;
        subagentLines.push(`{"parentUuid":null,"isSidechain":true,"userType":"external","cwd":"${folder.cwd}","sessionId":"${sessionId}","agentId":"a1","message":${inner},"requestId":"${sreq}","type":"assistant","uuid":"${uuid(r)}","timestamp":"${sts}"}`);
        emit(`{"parentUuid":"${uuid(r)}",${head},"type":"progress","data":{"message":{"type":"assistant","timestamp":"${sts}","message":${inner},"requestId":"${sreq}","uuid":"${uuid(r)}"},"normalizedMessages":[],"type":"agent_progress","agentId":"a1"},"uuid":"${uuid(r)}","timestamp":"${sts}"}`);
        count(folder.agent, 'claude-haiku-4-5-20251001', su, t + 500);
      }
      if (opts.odd && r() < 0.01) {
        const tokens = 100 + Math.floor(r() * 5000);
        const cost = Math.round(r() * 1e6) / 1e7;
        emit(`{"timestamp":"${ts}","model":"${model}","tokens":${tokens},"cost":${cost}}`);
        count(folder.agent, model, { input: 0, output: 0, w5: 0, w1: 0, read: 0 }, t, tokens, cost);
      }
      if (opts.odd && r() < 0.01) emit('{"type":"assistant","message":{"usage":{"input_tokens":12,"output_tokens"');
      if (opts.odd && r() < 0.01) {
        const pu = newUsage(false);
        const pid = `msg_${(++msgSeq).toString(36).padStart(8, '0')}p`;
        emit(`{"type": "assistant", "timestamp": "${ts}", "sessionId": "${sessionId}", "requestId": "req_p${msgSeq}", "message": {"id": "${pid}", "model": "${model}", "usage": ${usageJson(pu, pu.output).replace(/":/g, '": ')}}}`);
        count(folder.agent, model, pu, t);
      }
    }
    flush();
    closeSync(fd);
    history.set(folder.name, past.slice(-20));
    if (subagentLines.length > 0) {
      const sub = join(projectsRoot, folder.name, sessionId, 'subagents');
      mkdirSync(sub, { recursive: true });
      const s = subagentLines.join('\n') + '\n';
      writeFileSync(join(sub, `agent-a${hex(r, 15)}.jsonl`), s);
      written += Buffer.byteLength(s);
      truth.files++;
      subagentLines = [];
    }
  }
  truth.bytes = written;
  return truth;
}

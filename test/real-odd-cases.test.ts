/**
 * One test per odd case found in the real corpus: the real lines are copied into a small fixture
 * and the expected numbers are worked out here from those lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ccostJson } from './helpers/cli.js';
import { HAS_REAL_A, REAL_A } from './helpers/paths.js';

const skip = HAS_REAL_A ? false : `SKIPPED LOUDLY: real corpus not found at ${REAL_A} (set CCORC_SHARED)`;
if (skip) console.warn(skip);
const root = mkdtempSync(join(tmpdir(), 'ccost-odd-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

interface RealLine {
  file: string;
  raw: string;
  obj: any;
}

function realLines(): RealLine[] {
  const out: RealLine[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.jsonl'))
        for (const raw of readFileSync(p, 'utf8').split('\n')) if (raw.trim()) out.push({ file: relative(join(REAL_A, 'projects'), p), raw, obj: JSON.parse(raw) });
    }
  };
  walk(join(REAL_A, 'projects'));
  return out;
}
const lines = HAS_REAL_A ? realLines() : [];
const usageOf = (l: RealLine) => l.obj.message?.usage;
const tokens = (u: any) => {
  const split = u.cache_creation && (u.cache_creation.ephemeral_5m_input_tokens != null || u.cache_creation.ephemeral_1h_input_tokens != null);
  const write = split ? (u.cache_creation.ephemeral_5m_input_tokens ?? 0) + (u.cache_creation.ephemeral_1h_input_tokens ?? 0) : u.cache_creation_input_tokens ?? 0;
  return u.input_tokens + u.output_tokens + write + (u.cache_read_input_tokens ?? 0);
};

function fixture(name: string, files: Record<string, string[]>): string {
  const dir = join(root, name);
  for (const [rel, ls] of Object.entries(files)) {
    const p = join(dir, 'projects', rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, ls.join('\n') + '\n');
  }
  return dir;
}
const run = (dir: string, extra: string[] = []) => ccostJson(['daily', '--dir', dir, '-z', 'UTC', ...extra]);

test('replayed history without request id: counted once', { skip }, () => {
  const withReq = new Map<string, RealLine>();
  for (const l of lines) if (usageOf(l) && l.obj.requestId) withReq.set(l.obj.message.id, l);
  const replay = lines.find((l) => usageOf(l) && !l.obj.requestId && withReq.has(l.obj.message.id) && tokens(usageOf(l)) === tokens(usageOf(withReq.get(l.obj.message.id)!)));
  assert.ok(replay, 'the corpus has a response replayed without request id');
  const original = withReq.get(replay.obj.message.id)!;
  const dir = fixture('replay', { '-p/a.jsonl': [original.raw], '-p/b.jsonl': [replay.raw] });
  assert.equal(run(dir).totals.totalTokens, tokens(usageOf(original)));
});

test('progress-nested subagent usage: counted, and once with its subagent-file copy', { skip }, () => {
  const prog = lines.find((l) => l.obj.type === 'progress' && l.obj.data?.message?.message?.usage);
  assert.ok(prog);
  const inner = prog.obj.data.message.message;
  const copy = lines.find((l) => l !== prog && usageOf(l) && l.obj.message.id === inner.id && l.file.includes('subagents'));
  const dir1 = fixture('progress-alone', { '-p/s.jsonl': [prog.raw] });
  assert.equal(run(dir1).totals.totalTokens, tokens(inner.usage));
  if (copy) {
    const dir2 = fixture('progress-copy', { '-p/s.jsonl': [prog.raw], '-p/s/subagents/agent-x.jsonl': [copy.raw] });
    assert.equal(run(dir2).totals.totalTokens, Math.max(tokens(inner.usage), tokens(usageOf(copy))));
  }
});

test('toolUseResult.usage: never counted', { skip }, () => {
  const tur = lines.filter((l) => l.obj.toolUseResult && typeof l.obj.toolUseResult === 'object' && l.obj.toolUseResult.usage);
  assert.ok(tur.length > 0);
  assert.equal(run(fixture('tur', { '-p/s.jsonl': tur.map((l) => l.raw) })).totals.totalTokens, 0);
});

test('streaming partials: one response, the largest copy kept', { skip }, () => {
  const byId = new Map<string, RealLine[]>();
  for (const l of lines) if (usageOf(l)) byId.set(l.obj.message.id, [...(byId.get(l.obj.message.id) ?? []), l]);
  const group = [...byId.values()].find((g) => new Set(g.map((l) => tokens(usageOf(l)))).size > 1 && g.every((l) => l.file === g[0]!.file));
  assert.ok(group, 'the corpus has copies of one response with different usage');
  const dir = fixture('partials', { '-p/s.jsonl': group.map((l) => l.raw) });
  assert.equal(run(dir).totals.totalTokens, Math.max(...group.map((l) => tokens(usageOf(l)))));
});

test('<synthetic>: tokens counted, model left out of model lists', { skip }, () => {
  const syn = lines.filter((l) => usageOf(l) && l.obj.message.model === '<synthetic>');
  assert.ok(syn.length > 0);
  const out = run(fixture('synthetic', { '-p/s.jsonl': syn.map((l) => l.raw) }));
  const ids = new Map(syn.map((l) => [l.obj.message.id, tokens(usageOf(l))]));
  assert.equal(out.totals.totalTokens, [...ids.values()].reduce((a, b) => a + b, 0));
  assert.equal(out.totals.totalCost, 0);
  assert.deepEqual(out.unpricedModels, []);
  for (const d of out.daily) assert.ok(!d.modelsUsed.includes('<synthetic>'));
  assert.deepEqual(ccostJson(['model', '--dir', join(root, 'synthetic')]).rows, []);
});

test('unpriced model: cost 0 and listed', { skip }, () => {
  const q = lines.filter((l) => usageOf(l) && l.obj.message.model === 'unsloth/Qwen3-Coder-Next').slice(0, 20);
  assert.ok(q.length > 0);
  const out = run(fixture('unpriced', { '-p/s.jsonl': q.map((l) => l.raw) }), ['--mode', 'calculate']);
  assert.equal(out.totals.totalCost, 0);
  assert.ok(out.totals.totalTokens > 0);
  assert.deepEqual(out.unpricedModels, ['unsloth/Qwen3-Coder-Next']);
});

test('files without usage lines and empty files: nothing counted, nothing flagged', { skip }, () => {
  const noUsage = lines.filter((l) => l.file.startsWith('-experiments-ideas/'));
  assert.ok(noUsage.length > 0);
  const dir = fixture('nousage', { '-p/a.jsonl': noUsage.map((l) => l.raw), '-p/empty.jsonl': [] });
  writeFileSync(join(dir, 'projects', '-p', 'empty.jsonl'), '');
  const out = run(dir);
  assert.equal(out.totals.totalTokens, 0);
  assert.deepEqual(out.warnings, []);
});

/**
 * The budget guard's decisions. Pure: alert results, what the guard did before and the containers
 * that exist go in; the steps to take and the guard's new record come out.
 *
 * One action per crossing: a budget exceeded in a period pauses (or stops) the running containers of
 * its scope once, and the record says which. At the start of the rule's next period the guard
 * resumes what it held, and only that. A container resumed by hand is left alone for the rest of
 * the period, unless the budget is raised for the period and crossed again (a new crossing).
 */
import { budgetRule, type AlertResult, type Budget } from './alerts.js';

export interface GuardRecord {
  rule: string;
  period: string;
  action: 'pause' | 'stop';
  /** The limit (with raises) at which it acted. */
  limit: number;
  /** Instances it holds (paused or stopped). */
  held: string[];
  /** Instances resumed by hand in this period: left alone. */
  released: string[];
  /** The period ended and what it held was resumed. */
  done: boolean;
  at: string;
}

export interface GuardDoc {
  records: GuardRecord[];
  /** Extra dollars for one rule in one period (`rule|period`), from --raise. */
  raises: Record<string, number>;
}

export const emptyGuardDoc = (): GuardDoc => ({ records: [], raises: {} });

export function isGuardDoc(v: unknown): v is GuardDoc {
  const d = v as GuardDoc;
  return typeof d === 'object' && d !== null && Array.isArray(d.records) && typeof d.raises === 'object' && d.raises !== null;
}

/** A ccbox container as the guard sees it (only containers labelled as ours are ever given). */
export interface GuardContainer {
  instance: string;
  context: string;
  state: string;
}

export type StepKind = 'pause' | 'stop' | 'unpause' | 'start';

export interface GuardStep {
  kind: StepKind;
  instances: string[];
  rule: string;
  period: string;
  why: string;
}

const key = (rule: string, period: string) => `${rule}|${period}`;

function inScope(b: Budget, c: GuardContainer): boolean {
  if (b.scope === 'agent') return c.instance === b.name;
  if (b.scope === 'team') return c.context === b.name;
  return true;
}

function copyDoc(d: GuardDoc): GuardDoc {
  return { records: d.records.map((r) => ({ ...r, held: [...r.held], released: [...r.released] })), raises: { ...d.raises } };
}

/**
 * `containers` is asked only when there is something to do (a budget exceeded, a period over):
 * listing them costs the engine two calls, and most evaluations have nothing to do.
 */
export function planGuard(results: readonly AlertResult[], before: GuardDoc, containers: () => readonly GuardContainer[], now: number): { steps: GuardStep[]; doc: GuardDoc } {
  const doc = copyDoc(before);
  const steps: GuardStep[] = [];
  let listed: readonly GuardContainer[] | null = null;
  const ours = () => (listed ??= containers());
  const stateOf = (instance: string) => ours().find((c) => c.instance === instance)?.state;
  const current = new Map(results.map((r) => [r.rule, r.period]));

  // A period that ended (or a budget that is gone): what was held is resumed.
  for (const rec of doc.records) {
    if (rec.done || current.get(rec.rule) === rec.period) continue;
    rec.done = true;
    const want = rec.action === 'pause' ? 'paused' : 'exited';
    const instances = rec.held.filter((i) => stateOf(i) === want);
    if (instances.length) steps.push({ kind: rec.action === 'pause' ? 'unpause' : 'start', instances, rule: rec.rule, period: rec.period, why: `the ${rec.rule} budget's period ${rec.period} is over` });
  }

  for (const r of results) {
    const b = r.budget;
    if (!b || b.action === 'none' || r.level !== 'exceeded') continue;
    const rule = budgetRule(b);
    const limit = b.limit + (doc.raises[key(rule, r.period)] ?? 0);
    if (r.value < limit) continue;
    let rec = doc.records.find((x) => x.rule === rule && x.period === r.period);
    // Acted on at this limit already: one action per crossing, and what was resumed by hand stays so.
    // Past a raised limit it is a new crossing, for every container of the scope.
    if (rec && rec.limit >= limit) continue;
    const targets = ours()
      .filter((c) => inScope(b, c))
      .filter((c) => (b.action === 'pause' ? c.state === 'running' : c.state === 'running' || c.state === 'paused'))
      .map((c) => c.instance);
    if (!rec) {
      rec = { rule, period: r.period, action: b.action, limit, held: [], released: [], done: false, at: new Date(now).toISOString() };
      doc.records.push(rec);
    }
    rec.limit = limit;
    rec.released = [];
    rec.held = [...new Set([...rec.held, ...targets])];
    if (targets.length) steps.push({ kind: b.action, instances: targets, rule, period: r.period, why: r.message });
  }
  // Records of long-gone periods need not be kept.
  doc.records = doc.records.filter((r) => !r.done || Date.parse(r.at) > now - 40 * 86_400_000);
  return { steps, doc };
}

/** A resume by hand: the guard leaves these instances alone for the period; --raise adds dollars to the rules that held them. */
export function releaseByHand(before: GuardDoc, instances: readonly string[], raise: number): { doc: GuardDoc; rules: string[] } {
  const doc = copyDoc(before);
  const rules: string[] = [];
  for (const rec of doc.records) {
    // Held now, or released by hand before (a raise may come after the resume).
    if (rec.done || ![...rec.held, ...rec.released].some((i) => instances.includes(i))) continue;
    rec.held = rec.held.filter((i) => !instances.includes(i));
    rec.released = [...new Set([...rec.released, ...instances])];
    rules.push(rec.rule);
    if (raise > 0) doc.raises[key(rec.rule, rec.period)] = (doc.raises[key(rec.rule, rec.period)] ?? 0) + raise;
  }
  return { doc, rules };
}

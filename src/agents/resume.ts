/**
 * A resume by hand (`ccorc resume CTX`, `ccdk unpause NAME`): the paused containers run again, and
 * the guard is told to leave them alone for the rest of the period, unless `--raise USD` lifts the
 * budgets that paused them and the new limit is crossed too.
 */
import { releaseByHand } from '../live/guard.js';
import { defaultGuardPath, updateGuardDoc } from '../live/guard-state.js';
import { unpauseOurs } from './guard-steps.js';

export interface Resumed {
  /** Instances that were paused and run again. */
  resumed: string[];
  /** Guard rules that had held them. */
  rules: string[];
}

export function resumeByHand(instances: readonly string[], raise: number, log: (s: string) => void): Resumed {
  const resumed = unpauseOurs(instances, log);
  const rules = updateGuardDoc(defaultGuardPath(), log, (doc) => {
    const r = releaseByHand(doc, instances, raise);
    return { doc: r.doc, result: r.rules };
  });
  return { resumed, rules };
}

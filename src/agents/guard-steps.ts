/**
 * The guard's steps on the engine: pause, stop, unpause, start. Each instance is looked up first
 * and acted on only when its container is labelled as ours (a container of that name that is not is
 * never touched) and is in the state the step expects.
 */
import { inspect, list, pause, start, stop, unpause } from '../docker/containers.js';
import type { GuardContainer, GuardStep } from '../live/guard.js';

export function guardContainers(): GuardContainer[] {
  return list().map((c) => ({ instance: c.instance, context: c.context, state: c.state }));
}

const EXPECT: Record<GuardStep['kind'], readonly string[]> = { pause: ['running'], stop: ['running', 'paused'], unpause: ['paused'], start: ['exited', 'created'] };

/** Carries out one step; returns the instances it acted on, and logs the rest. */
export function applyStep(step: GuardStep, log: (s: string) => void): string[] {
  const done: string[] = [];
  for (const instance of step.instances) {
    const found = inspect(instance);
    if (!found?.ours || found.info.instance !== instance) {
      log(`guard: ccbox-${instance} is ${found ? 'not a ccbox container' : 'gone'}; not touched`);
      continue;
    }
    if (!EXPECT[step.kind].includes(found.info.state)) continue;
    try {
      if (step.kind === 'pause') pause(instance);
      else if (step.kind === 'unpause') unpause(instance);
      else if (step.kind === 'stop') stop(instance);
      else start(instance);
      done.push(instance);
    } catch (err) {
      log(`guard: ${step.kind} ccbox-${instance} failed: ${(err as Error).message}`);
    }
  }
  return done;
}

/** `ccorc resume` / `ccdk unpause`: the given instances' paused containers (ours only) run again. */
export function unpauseOurs(instances: readonly string[], log: (s: string) => void): string[] {
  return applyStep({ kind: 'unpause', instances: [...instances], rule: 'by hand', period: '', why: 'resumed by hand' }, log);
}

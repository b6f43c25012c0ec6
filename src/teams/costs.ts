/**
 * Spend of one team context per agent. Pure. An agent's usage is decided by the one rule every
 * report uses (usage/aggregate.ts, agentOf: the container instance its session files came from),
 * so `ccorc costs`, `ccorc list --verbose`, `ccost agent` and `ccost team` agree. What the team's
 * workspace holds in the host's own folders (shared mode) is unattributed, never guessed.
 */
import { addTo, agentOf, emptyTally, totalsOf, type CostedRow, type Tally } from '../usage/aggregate.js';
import type { TokenTotals } from '../usage/types.js';
import { encodeCwd } from '../sessions/attribution.js';
import type { ContextRecord } from './registry.js';
import { agentInstance } from './team-file.js';

export interface AgentCost extends TokenTotals {
  agent: string;
  instance: string;
  /** The newest response counted for the agent (ISO), or null. */
  lastActivity: string | null;
}

export interface TeamCosts {
  context: string;
  agents: AgentCost[];
  unattributed: TokenTotals;
  totals: TokenTotals;
}

export function instanceOf(ctx: ContextRecord, agent: ContextRecord['agents'][number]): string {
  return agent.instance ?? agentInstance(ctx.context_name, agent.name);
}

export function teamCosts(ctx: ContextRecord, rows: readonly CostedRow[]): TeamCosts {
  const agents = ctx.agents.map((a) => ({ agent: a.name, instance: instanceOf(ctx, a), tally: emptyTally(), last: 0 }));
  const byInstance = new Map(agents.map((a) => [a.instance, a]));
  const workspace = ctx.working_dir ? encodeCwd(ctx.working_dir) : null;
  const unattributed = emptyTally();
  const totals: Tally = emptyTally();
  for (const c of rows) {
    const owner = byInstance.get(agentOf(c.file));
    if (owner) {
      addTo(owner.tally, c.row, c.cost);
      owner.last = Math.max(owner.last, c.row.lastTimestamp);
    } else if (c.file.instance === null && c.file.project === workspace) addTo(unattributed, c.row, c.cost);
    else continue;
    addTo(totals, c.row, c.cost);
  }
  return {
    context: ctx.context_name,
    agents: agents.map((a) => ({ agent: a.agent, instance: a.instance, ...totalsOf(a.tally), lastActivity: a.last ? new Date(a.last).toISOString() : null })),
    unattributed: totalsOf(unattributed),
    totals: totalsOf(totals),
  };
}

export function renderTeamCosts(t: TeamCosts): string {
  const money = (n: number) => `$${n.toFixed(2)}`;
  const label = (name: string) => (/agent$/i.test(name) ? name : `${name} Agent`);
  const lines = [`Team Context: ${t.context}`];
  for (const a of t.agents) lines.push(`${label(a.agent)}: ${money(a.totalCost)} (${a.totalTokens.toLocaleString('en-US')} tokens)`);
  if (t.unattributed.totalTokens > 0) lines.push(`Unattributed (shared mode): ${money(t.unattributed.totalCost)} (${t.unattributed.totalTokens.toLocaleString('en-US')} tokens)`);
  lines.push(`Total: ${money(t.totals.totalCost)} (${t.totals.totalTokens.toLocaleString('en-US')} tokens)`);
  return lines.join('\n');
}

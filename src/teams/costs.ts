/**
 * Spend of one team context per agent. Pure. An agent's usage is what its instance's host folders
 * hold, plus sessions the registry records for it; what the team's workspace holds in the host's
 * own folders (shared mode) and no recorded session claims is unattributed, never guessed.
 */
import { addTo, type CostedRow } from '../usage/aggregate.js';
import { emptyTotals, type TokenTotals } from '../usage/types.js';
import { encodeCwd } from '../sessions/attribution.js';
import type { ContextRecord } from './registry.js';
import { agentInstance } from './team-file.js';

export interface AgentCost extends TokenTotals {
  agent: string;
  instance: string;
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
  const agents = ctx.agents.map((a) => ({ agent: a.name, instance: instanceOf(ctx, a), ...emptyTotals() }));
  const byInstance = new Map(agents.map((a) => [a.instance, a]));
  const bySession = new Map<string, AgentCost>();
  ctx.agents.forEach((a, i) => {
    if (a.session_id) bySession.set(a.session_id, agents[i]!);
  });
  const workspace = ctx.working_dir ? encodeCwd(ctx.working_dir) : null;
  const unattributed = emptyTotals();
  const totals = emptyTotals();
  for (const c of rows) {
    const owner = (c.file.instance ? byInstance.get(c.file.instance) : undefined) ?? bySession.get(c.row.session);
    if (owner) addTo(owner, c.row, c.cost);
    else if (c.file.instance === null && c.file.project === workspace) addTo(unattributed, c.row, c.cost);
    else continue;
    addTo(totals, c.row, c.cost);
  }
  return { context: ctx.context_name, agents, unattributed, totals };
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

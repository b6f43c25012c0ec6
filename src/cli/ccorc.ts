#!/usr/bin/env node
/**
 * ccorc: team contexts. A team (YAML) launched as a context: one persistent isolated agent container
 * per agent, recorded in the registry the original orchestrator used; its costs per agent; its health.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { newProgram, runCli } from './run.js';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { checkEngine, EngineError } from '../docker/engine.js';
import { list as listContainers, remove, type ContainerInfo } from '../docker/containers.js';
import { health } from '../docker/health.js';
import { containerName, optionsProblem } from '../docker/spec.js';
import { DEFAULT_IMAGE, HOST_IMAGE } from '../docker/image.js';
import { dataDirs } from '../sessions/discover.js';
import { planLaunch } from '../agents/launch-plan.js';
import { containersAt, launch } from '../agents/launch.js';
import { members, startTeam, stopTeam } from '../agents/team.js';
import { resumeByHand } from '../agents/resume.js';
import { efficiencyOf } from './commands/efficiency.js';
import { renderEfficiency } from '../reports/efficiency-text.js';
import { chooseImage } from '../agents/image-choice.js';
import { AgentRefused } from '../agents/errors.js';
import { splitCommand } from '../live/notify.js';
import { parseProjectFolder } from '../sessions/attribution.js';
import { filterRows } from '../reports/build.js';
import { Calendar } from '../usage/time.js';
import { periodTotals } from '../usage/period-totals.js';
import { agentInstance, findTeam, listTeams, TeamFileError } from '../teams/team-file.js';
import { defaultRegistryPath, readRegistry, RegistryError, updateRegistry, type ContextRecord } from '../teams/registry.js';
import { instanceOf, renderTeamCosts, teamCosts } from '../teams/costs.js';
import { dateArg, loadCostedRows, positiveNumber, timeZoneOf, UsageError, type SourceOptions } from './common.js';

const registryPath = () => defaultRegistryPath();

/** An agent's name, role and model, in the columns `status` and `info` share. */
function agentColumns(a: { name: string; role: string; model?: string | null }): string {
  return `${a.name.padEnd(14)} ${a.role.padEnd(11)} ${String(a.model ?? '-').padEnd(28)}`;
}

function collect(v: string, prev: Array<[string, string]>): Array<[string, string]> {
  const i = v.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError(`"${v}" is not AGENT=MODEL`);
  return [...prev, [v.slice(0, i), v.slice(i + 1)]];
}

function contextOf(name: string): ContextRecord {
  const reg = readRegistry(registryPath());
  const ctx = reg[name];
  if (!ctx) throw new UsageError(`no team context named "${name}" (ccorc list shows them)`);
  return ctx;
}

function sourceOpts(o: { dir?: string[]; ledger?: string | boolean; timezone?: string }): SourceOptions {
  return { dir: o.dir ?? [], ledger: o.ledger ?? true, timezone: o.timezone, mode: 'auto' };
}

function addCostOptions(cmd: Command): Command {
  return cmd
    .option('-d, --dir <path>', 'Claude data folder (repeatable; default: $CLAUDE_CONFIG_DIR, else ~/.config/claude and ~/.claude)', (v: string, p: string[]) => [...p, v], [])
    .option('-z, --timezone <tz>', 'IANA time zone for days')
    .option('--ledger <path>', 'the ccost ledger to use')
    .option('--no-ledger', 'read the session files alone');
}

function containersByInstance(): Map<string, ContainerInfo> | null {
  try {
    checkEngine();
    return new Map(listContainers().map((c) => [c.instance, c]));
  } catch (err) {
    if (err instanceof EngineError) return null;
    throw err;
  }
}

function commandWords(command: string): string[] {
  try {
    const words = splitCommand(command);
    if (words.length) return words;
  } catch (err) {
    throw new UsageError(`--command: ${(err as Error).message}`);
  }
  throw new UsageError('--command is empty');
}

/** The instance's session folders in every Claude data folder (or the ones given). */
function sessionFolders(instance: string, dirs: string[]): string[] {
  const out: string[] = [];
  for (const data of dataDirs({ dirs }).dirs) {
    const dir = join(data, 'projects');
    try {
      for (const n of readdirSync(dir)) if (parseProjectFolder(n).instance === instance) out.push(join(dir, n));
    } catch {
      // no such data folder
    }
  }
  return out;
}

export function buildProgram(): Command {
  const program = newProgram('ccorc', 'Team contexts of Claude Code agents: launch a team as containers, list, costs per agent, health');

  const teams = program.command('teams').description('team definitions (team.yaml)');
  teams
    .command('list')
    .description('teams found in ./teams, ~/.ccorc/teams, $CCORC_TEAMS_PATH and the bundled examples')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const { teams: found, errors } = listTeams();
      if (o.json) process.stdout.write(JSON.stringify(found.map((t) => ({ name: t.name, description: t.description, agents: t.agents.map((a) => ({ name: a.name, role: a.role, model: a.model ?? t.settings.defaultModel })), path: t.path })), null, 2) + '\n');
      else for (const t of found) process.stdout.write(`${t.name.padEnd(20)} ${t.agents.length} agent(s)  ${t.description}\n`);
      for (const e of errors) process.stderr.write(`warning: ${e}\n`);
    });
  teams
    .command('show <name>')
    .description('one team: its agents, roles and models')
    .option('--json', 'print JSON')
    .action((name: string, o: { json?: boolean }) => {
      const t = findTeam(name);
      if (o.json) {
        process.stdout.write(JSON.stringify(t, null, 2) + '\n');
        return;
      }
      process.stdout.write(`${t.name}: ${t.description}\n  file: ${t.path}\n`);
      for (const a of t.agents) process.stdout.write(`  ${a.name.padEnd(16)} ${a.role.padEnd(12)} ${a.model ?? t.settings.defaultModel ?? '(default model)'}\n`);
    });

  program
    .command('launch <team>')
    .description('start a team context: one persistent isolated agent container per agent, recorded in the registry')
    .option('--session <name>', "context name (default: the team's default_context_name, else its name)")
    .option('--model <model>', 'model for every agent')
    .option('--agent-model <agent=model>', 'model for one agent (repeatable)', collect, [])
    .option('--force', "replace a context of that name, or ccbox containers in the way (never a container that is not ccbox's); host session data is kept")
    .option('--command <command>', 'command run in each agent container instead of claude (split into words, no shell); an agent\'s prompt_file is appended as --append-system-prompt TEXT')
    .option('--network <name>', "container network (default: the host's)")
    .option('--image <image>', `agent image (default: $CCDK_IMAGE, else ${DEFAULT_IMAGE}, else ${HOST_IMAGE})`)
    .action((teamName: string, o: { session?: string; model?: string; agentModel: Array<[string, string]>; force?: boolean; command?: string; network?: string; image?: string }) => {
      const team = findTeam(teamName);
      const context = o.session ?? team.settings.defaultContextName ?? team.name;
      const problem = optionsProblem({ mode: 'isolated', workspace: process.cwd(), hostHome: homedir() });
      if (problem) throw new UsageError(problem);
      const command = o.command ? commandWords(o.command) : null;
      checkEngine();
      const registry = readRegistry(registryPath());
      const containers = containersAt([...team.agents.map((a) => agentInstance(context, a.name)), ...(registry[context]?.agents.map((a) => instanceOf(registry[context]!, a)) ?? [])]);
      const plan = planLaunch({ team, context, model: o.model, agentModels: new Map(o.agentModel.map(([k, v]) => [k.toLowerCase(), v])), force: Boolean(o.force), registry, containers });
      if (plan.refused.length) throw new AgentRefused(`launch of "${context}" refused, nothing was changed:\n  ${plan.refused.join('\n  ')}`);
      const { image, note } = chooseImage(o.image);
      if (note) process.stderr.write(`ccorc: ${note}\n`);
      launch(plan, {
        registryPath: registryPath(),
        team,
        image,
        command,
        network: o.network,
        workspace: process.cwd(),
        hostHome: homedir(),
        hostName: hostname(),
        user: { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 },
        env: process.env,
        progress: (line) => process.stdout.write(line + '\n'),
      });
      process.stdout.write(`team context ${context} launched (${plan.agents.length} agents)\n`);
    });

  program
    .command('start <context>')
    .description("start a team context's containers again (after ccorc stop, a reboot or docker stop); waits for each agent's session monitor")
    .action((name: string) => {
      checkEngine();
      startTeam(contextOf(name), (line) => process.stdout.write(line + '\n'));
      process.stdout.write(`team context ${name} running\n`);
    });

  program
    .command('resume <context>')
    .description("run a context's paused containers again (a budget guard paused them: it leaves them alone for the rest of the period)")
    .option('--raise <usd>', 'also raise, for this period, the budgets that paused them by this many dollars (crossing the new limit pauses them again)', positiveNumber)
    .action((name: string, o: { raise?: number }) => {
      checkEngine();
      const team = members(contextOf(name)).filter((m) => m.container);
      const r = resumeByHand(team.map((m) => m.instance), o.raise ?? 0, (s) => process.stderr.write(`ccorc: ${s}\n`));
      for (const m of team) process.stdout.write(`${m.agent}: ${containerName(m.instance)} ${r.resumed.includes(m.instance) ? 'running again' : `was not paused (${m.container!.state})`}\n`);
      if (r.rules.length) process.stdout.write(`the guard leaves them alone for this period (${[...new Set(r.rules)].join(', ')})${o.raise ? `; budgets raised by $${o.raise}` : ''}\n`);
    });

  program
    .command('stop <context>')
    .description("stop a team context's containers (kept; ccorc start runs them again)")
    .action((name: string) => {
      checkEngine();
      stopTeam(contextOf(name), (line) => process.stdout.write(line + '\n'));
      process.stdout.write(`team context ${name} stopped\n`);
    });

  addCostOptions(
    program
      .command('list')
      .description('team contexts; --verbose adds each agent\'s container, status, session folders, last activity and costs')
      .option('--verbose', 'per agent details')
      .option('--json', 'print JSON'),
  ).action(async (o: { verbose?: boolean; json?: boolean; dir?: string[]; ledger?: string | boolean; timezone?: string }) => {
    const reg = readRegistry(registryPath());
    const contexts = Object.values(reg);
    if (!o.verbose) {
      if (o.json) process.stdout.write(JSON.stringify(contexts.map((c) => ({ context: c.context_name, team: c.orchestrator_config?.team ?? null, createdAt: c.created_at, agents: c.agents.length })), null, 2) + '\n');
      else for (const c of contexts) process.stdout.write(`${c.context_name.padEnd(24)} ${String(c.agents.length).padStart(2)} agent(s)  ${c.created_at}\n`);
      return;
    }
    const containers = containersByInstance();
    const src = sourceOpts(o);
    const tz = timeZoneOf(src);
    const calendar = new Calendar(tz);
    const { rows } = await loadCostedRows(src);
    const today = periodTotals(rows, calendar, 'day', Date.now(), 'agent');
    const out = contexts.map((c) => {
      const all = teamCosts(c, rows);
      return {
        context: c.context_name,
        team: (c.orchestrator_config?.team as string | undefined) ?? null,
        createdAt: c.created_at,
        agents: c.agents.map((a, i) => {
          const instance = instanceOf(c, a);
          return {
            name: a.name,
            role: a.role,
            model: a.model,
            instance,
            container: containerName(instance),
            status: containers ? containers.get(instance)?.state ?? 'missing' : 'unknown (no engine)',
            sessionFolders: sessionFolders(instance, src.dir),
            lastActivity: all.agents[i]!.lastActivity,
            todayCost: today.get(instance)?.cost ?? 0,
            totalCost: all.agents[i]!.totalCost,
          };
        }),
      };
    });
    if (o.json) {
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return;
    }
    for (const c of out) {
      process.stdout.write(`${c.context} (team ${c.team ?? '-'}, created ${c.createdAt})\n`);
      for (const a of c.agents)
        process.stdout.write(`  ${agentColumns(a)} ${a.container.padEnd(28)} ${a.status.padEnd(8)} today $${a.todayCost.toFixed(2)}  total $${a.totalCost.toFixed(2)}  last ${a.lastActivity ?? '-'}\n`);
    }
  });

  program
    .command('info <context>')
    .description('one team context as recorded in the registry')
    .option('--json', 'print JSON')
    .action((name: string, o: { json?: boolean }) => {
      const c = contextOf(name);
      if (o.json) process.stdout.write(JSON.stringify(c, null, 2) + '\n');
      else {
        process.stdout.write(`${c.context_name}: team ${String(c.orchestrator_config?.team ?? '-')}, working dir ${c.working_dir}, created ${c.created_at}, updated ${c.updated_at}\n`);
        for (const a of c.agents) process.stdout.write(`  ${agentColumns(a)} ${containerName(instanceOf(c, a))}\n`);
      }
    });

  program
    .command('clean <context>')
    .description("remove a context's containers and its registry entry; session data on the host is kept unless --purge-sessions")
    .option('--force', 'remove running containers too')
    .option('--purge-sessions', "also delete the agents' session folders in every Claude data folder ($CLAUDE_CONFIG_DIR, ~/.config/claude, ~/.claude, --dir)")
    .option('-d, --dir <path>', 'a Claude data folder to purge too (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .action((name: string, o: { force?: boolean; purgeSessions?: boolean; dir: string[] }) => {
      const c = contextOf(name);
      checkEngine();
      const team = members(c);
      const running = team.filter((m) => m.container?.state === 'running' || m.container?.state === 'paused');
      if (running.length && !o.force) throw new UsageError(`${running.map((m) => containerName(m.instance)).join(', ')} running: ccorc stop ${name} first, or use --force`);
      for (const m of team) {
        if (m.container) remove(m.instance, true);
        else if (m.foreign) process.stderr.write(`ccorc: ${containerName(m.instance)} belongs to ${m.foreign}: left alone\n`);
      }
      let purged = 0;
      if (o.purgeSessions)
        for (const m of team)
          for (const f of sessionFolders(m.instance, o.dir)) {
            rmSync(f, { recursive: true, force: true });
            purged++;
          }
      updateRegistry(registryPath(), (reg) => {
        delete reg[name];
      });
      process.stdout.write(`context ${name} cleaned${o.purgeSessions ? ` (${purged} session folder(s) deleted)` : '; session data on the host kept'}\n`);
    });

  program
    .command('export <context> <file>')
    .description('write a context definition to a file')
    .action((name: string, file: string) => {
      writeFileSync(file, JSON.stringify({ ccorcExport: 1, context: contextOf(name) }, null, 2) + '\n');
      process.stdout.write(`context ${name} exported to ${file}\n`);
    });

  program
    .command('import <file>')
    .description('add a context definition from an export to the registry (ccorc launch starts containers)')
    .option('--force', 'replace a context of that name')
    .action((file: string, o: { force?: boolean }) => {
      let doc: { ccorcExport?: number; context?: ContextRecord };
      try {
        doc = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new UsageError(`${file}: not a ccorc export (${(err as Error).message})`);
      }
      const c = doc.context;
      if (doc.ccorcExport !== 1 || !c || typeof c.context_name !== 'string' || !Array.isArray(c.agents)) throw new UsageError(`${file}: not a ccorc export (no context_name and agents)`);
      updateRegistry(registryPath(), (reg) => {
        if (reg[c.context_name] && !o.force) throw new UsageError(`context "${c.context_name}" exists already; use --force to replace it`);
        reg[c.context_name] = { ...c, updated_at: new Date().toISOString() };
      });
      process.stdout.write(`context ${c.context_name} imported\n`);
    });

  addCostOptions(
    program
      .command('costs <context>')
      .description('cost and tokens per agent of a team context')
      .option('-s, --since <date>', 'first day (YYYY-MM-DD or YYYYMMDD)', dateArg)
      .option('-u, --until <date>', 'last day', dateArg)
      .option('--efficiency', "per agent, where the team's money goes and what could be saved (ccost efficiency for this context)")
      .option('--json', 'print JSON'),
  ).action(async (name: string, o: { since?: string; until?: string; json?: boolean; efficiency?: boolean; dir?: string[]; ledger?: string | boolean; timezone?: string }) => {
    const c = contextOf(name);
    if (o.efficiency) {
      const mine = new Set(c.agents.map((a) => instanceOf(c, a)));
      const { report, warnings } = await efficiencyOf({ dir: o.dir ?? [], timezone: o.timezone, since: o.since, until: o.until }, 'agent', (f) => f.instance !== null && mine.has(f.instance));
      process.stdout.write((o.json ? JSON.stringify(report, null, 2) : `Team Context: ${name}\n${renderEfficiency(report)}`) + '\n');
      if (warnings) process.stderr.write(warnings);
      return;
    }
    const src = sourceOpts(o);
    const { rows } = await loadCostedRows(src);
    const selected = filterRows(rows, new Calendar(timeZoneOf(src)), { since: o.since, until: o.until });
    const t = teamCosts(c, selected);
    process.stdout.write((o.json ? JSON.stringify(t, null, 2) : renderTeamCosts(t)) + '\n');
  });

  program
    .command('health <context>')
    .description("every agent's container running, session monitor alive, sessions mirrored, folders readable; exit 0 only when healthy")
    .option('--json', 'print JSON')
    .action((name: string, o: { json?: boolean }) => {
      const c = contextOf(name);
      checkEngine();
      const agents = members(c).map((m) =>
        m.container
          ? { agent: m.agent, ...health(m.container, homedir()) }
          : { agent: m.agent, instance: m.instance, healthy: false, problems: [`container ${containerName(m.instance)} ${m.foreign ? `belongs to ${m.foreign}` : 'does not exist'}`] },
      );
      const healthy = agents.every((a) => a.healthy);
      if (o.json) process.stdout.write(JSON.stringify({ context: name, status: healthy ? 'healthy' : 'degraded', agents }, null, 2) + '\n');
      else {
        process.stdout.write(`${name}: ${healthy ? 'healthy' : 'DEGRADED'}\n`);
        for (const a of agents) process.stdout.write(`  ${a.agent}: ${a.healthy ? 'ok' : a.problems.join('; ')}\n`);
      }
      process.exitCode = healthy ? 0 : 1;
    });
  return program;
}

process.exitCode = await runCli('ccorc', buildProgram(), process.argv.slice(2), [UsageError, TeamFileError, RegistryError, AgentRefused]);

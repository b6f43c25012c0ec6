#!/usr/bin/env node
/**
 * ccorc: team contexts. A team (YAML) launched as a context: one persistent isolated agent container
 * per agent, recorded in the registry the original orchestrator used; its costs per agent; its health.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { newProgram, runCli } from './run.js';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { checkEngine, EngineError, EngineUnavailable } from '../docker/engine.js';
import { create, list as listContainers, remove, start, type ContainerInfo } from '../docker/containers.js';
import { health } from '../docker/health.js';
import { containerName, passThroughEnv, validateInstance } from '../docker/spec.js';
import { DEFAULT_IMAGE } from '../docker/image.js';
import { splitCommand } from '../live/notify.js';
import { parseProjectFolder } from '../sessions/attribution.js';
import { filterRows } from '../reports/build.js';
import { Calendar } from '../usage/time.js';
import { BUCKET_MS } from '../usage/aggregate.js';
import { agentInstance, findTeam, listTeams, TeamFileError } from '../teams/team-file.js';
import { defaultRegistryPath, readRegistry, RegistryError, updateRegistry, type ContextRecord } from '../teams/registry.js';
import { instanceOf, renderTeamCosts, teamCosts } from '../teams/costs.js';
import { dateArg, loadCostedRows, timeZoneOf, UsageError, type SourceOptions } from './common.js';

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

function hostFolders(instance: string): string[] {
  const dir = join(homedir(), '.claude', 'projects');
  try {
    return readdirSync(dir)
      .filter((n) => parseProjectFolder(n).instance === instance)
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
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
    .option('--force', 'replace a context of that name (its containers are removed; host session data is kept)')
    .option('--command <command>', 'command run in each agent container instead of claude (no shell)')
    .option('--network <name>', "container network (default: the host's)")
    .addOption(new Option('--image <image>', 'agent image').default(process.env.CCDK_IMAGE || DEFAULT_IMAGE))
    .action((teamName: string, o: { session?: string; model?: string; agentModel: Array<[string, string]>; force?: boolean; command?: string; network?: string; image: string }) => {
      const team = findTeam(teamName);
      const context = o.session ?? team.settings.defaultContextName ?? team.name;
      const plan = team.agents.map((a) => ({ a, instance: agentInstance(context, a.name) }));
      for (const p of plan) {
        try {
          validateInstance(p.instance);
        } catch (err) {
          throw new UsageError(`context "${context}", agent "${p.a.name}": ${(err as Error).message}`);
        }
      }
      const models = new Map(o.agentModel.map(([k, v]) => [k.toLowerCase(), v]));
      for (const k of models.keys()) if (!team.agents.some((a) => a.name.toLowerCase() === k)) throw new UsageError(`--agent-model: team ${team.name} has no agent "${k}"`);
      const existing = readRegistry(registryPath())[context];
      if (existing && !o.force) throw new UsageError(`context "${context}" exists already (ccorc info ${context}); use --force to replace it, or --session NAME`);
      checkEngine();
      const command = o.command ? splitCommand(o.command) : undefined;
      if (existing) for (const a of existing.agents) remove(instanceOf(existing, a), true);
      const agents = plan.map(({ a, instance }) => {
        const model = models.get(a.name.toLowerCase()) ?? o.model ?? a.model ?? team.settings.defaultModel ?? null;
        const current = listContainers().find((c) => c.instance === instance);
        if (current) remove(instance, true);
        create({
          instance,
          image: o.image,
          mode: 'isolated',
          workspace: process.cwd(),
          hostHome: homedir(),
          user: { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 },
          context,
          role: a.role,
          agentName: a.name,
          model: model ?? undefined,
          network: o.network,
          env: passThroughEnv(process.env),
          command,
          hostName: hostname(),
          tty: true, // Claude Code's interface waits in its terminal for ccdk attach
        });
        start(instance);
        process.stdout.write(`${a.name} (${a.role}) → ${containerName(instance)}\n`);
        return { name: a.name, role: a.role, model, session_id: null, instance, container: containerName(instance) };
      });
      const now = new Date().toISOString();
      updateRegistry(registryPath(), (reg) => {
        reg[context] = {
          context_name: context,
          tmux_session: null,
          created_at: existing?.created_at ?? now,
          agents,
          working_dir: process.cwd(),
          updated_at: now,
          orchestrator_config: { team: team.name, team_file: team.path, mode: 'isolated', launched_by: 'ccorc' },
        };
      });
      process.stdout.write(`team context ${context} launched (${agents.length} agents)\n`);
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
    const today = calendar.day(Date.now());
    const out = contexts.map((c) => ({
      context: c.context_name,
      team: (c.orchestrator_config?.team as string | undefined) ?? null,
      createdAt: c.created_at,
      agents: c.agents.map((a) => {
        const instance = instanceOf(c, a);
        const mine = rows.filter((r) => r.file.instance === instance || (a.session_id !== null && r.row.session === a.session_id));
        const last = mine.reduce((m, r) => Math.max(m, r.row.lastTimestamp), 0);
        return {
          name: a.name,
          role: a.role,
          model: a.model,
          instance,
          container: containerName(instance),
          status: containers ? containers.get(instance)?.state ?? 'missing' : 'unknown (no engine)',
          sessionFolders: hostFolders(instance),
          lastActivity: last ? new Date(last).toISOString() : null,
          todayCost: mine.filter((r) => calendar.day(r.row.bucket * BUCKET_MS) === today).reduce((s, r) => s + r.cost, 0),
          totalCost: mine.reduce((s, r) => s + r.cost, 0),
        };
      }),
    }));
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
    .option('--purge-sessions', "also delete the agents' session folders on the host")
    .action((name: string, o: { force?: boolean; purgeSessions?: boolean }) => {
      const c = contextOf(name);
      const containers = containersByInstance();
      if (!containers) throw new EngineUnavailable('no container engine is reachable; start one to remove the containers');
      for (const a of c.agents) {
        const instance = instanceOf(c, a);
        const info = containers.get(instance);
        if (info?.state === 'running' && !o.force) throw new UsageError(`${containerName(instance)} is running: stop the team first, or use --force`);
      }
      for (const a of c.agents) {
        const instance = instanceOf(c, a);
        if (containers.has(instance)) remove(instance, true);
        if (o.purgeSessions) for (const f of hostFolders(instance)) rmSync(f, { recursive: true, force: true });
      }
      updateRegistry(registryPath(), (reg) => {
        delete reg[name];
      });
      process.stdout.write(`context ${name} cleaned${o.purgeSessions ? ' (session folders deleted)' : '; session data on the host kept'}\n`);
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
      .option('--json', 'print JSON'),
  ).action(async (name: string, o: { since?: string; until?: string; json?: boolean; dir?: string[]; ledger?: string | boolean; timezone?: string }) => {
    const c = contextOf(name);
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
      const containers = new Map(listContainers().map((x) => [x.instance, x]));
      const agents = c.agents.map((a) => {
        const instance = instanceOf(c, a);
        const info = containers.get(instance);
        return info ? { agent: a.name, ...health(info, homedir()) } : { agent: a.name, instance, healthy: false, problems: [`container ${containerName(instance)} does not exist`] };
      });
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

process.exitCode = await runCli('ccorc', buildProgram(), process.argv.slice(2), [UsageError, TeamFileError, RegistryError]);

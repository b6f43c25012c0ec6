#!/usr/bin/env node
/**
 * ccdk: Claude Code agents in containers, isolated (default) or shared mode. Thin: parses arguments
 * and calls src/agents and src/docker.
 *
 * Every command that takes an instance takes `-i NAME` (or the name as its first word); for exec,
 * shell, start and run the words after the instance are the command, options included, with no `--`
 * needed: `ccdk exec -i my-agent pgrep -f session_monitor`.
 */
import type { Command } from 'commander';
import { newProgram, runCli } from './run.js';
import { positiveNumber, UsageError } from './common.js';
import { randomBytes } from 'node:crypto';
import { homedir, hostname } from 'node:os';
import { spawn } from 'node:child_process';
import { checkEngine, dockerAttached, DOCKER } from '../docker/engine.js';
import { create, info, inspect, list, remove, stop, type ContainerInfo } from '../docker/containers.js';
import { buildFromDockerfile, buildFromHost, DEFAULT_IMAGE, HOST_IMAGE } from '../docker/image.js';
import { containerName, optionsProblem, passThroughEnv, validateInstance, type Mode } from '../docker/spec.js';
import { MONITOR_LOG } from '../docker/monitor.js';
import { readMounts } from '../docker/mounts.js';
import { health } from '../docker/health.js';
import { chooseImage } from '../agents/image-choice.js';
import { missingCommandHint, startAgent } from '../agents/start.js';
import { AgentRefused } from '../agents/errors.js';
import { containerArgs } from '../agents/host-paths.js';
import { resumeByHand } from '../agents/resume.js';

interface InstanceOptions {
  instance?: string;
  random?: boolean;
}

interface StartOptions extends InstanceOptions {
  shared?: boolean;
  sharedMode?: boolean;
  isolated?: boolean;
  model?: string;
  context?: string;
  role?: string;
  network?: string;
  image?: string;
}

function validName(name: string): string {
  try {
    validateInstance(name);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return name;
}

/**
 * The instance and the command words: `-i NAME` names it and every word is the command; otherwise
 * (where allowed) the first word is the name. A `--` before the command is dropped.
 */
function target(words: string[], o: InstanceOptions, nameFromWords: boolean): { instance: string | undefined; command: string[] } {
  const w = [...words];
  let instance = o.instance;
  if (!instance && nameFromWords && w.length > 0 && w[0] !== '--') instance = w.shift();
  if (w[0] === '--') w.shift();
  return { instance: instance === undefined ? undefined : validName(instance), command: w };
}

function required(instance: string | undefined, verb: string): string {
  if (!instance) throw new UsageError(`name the instance: ccdk ${verb} -i NAME (ccdk list shows them)`);
  return instance;
}

/** The named instance, which must exist on a reachable engine. */
function existing(instance: string | undefined, verb: string): ContainerInfo {
  const name = required(instance, verb);
  checkEngine();
  return info(name);
}

function modeOf(o: StartOptions): Mode {
  if ((o.shared || o.sharedMode) && o.isolated) throw new UsageError('choose one of --shared and --isolated');
  return o.shared || o.sharedMode ? 'shared' : 'isolated';
}

function createFrom(instance: string, o: StartOptions, command: string[], tty: boolean): void {
  const mode = modeOf(o);
  const workspace = process.cwd();
  const problem = optionsProblem({ mode, workspace, hostHome: homedir() });
  if (problem) throw new UsageError(problem);
  checkEngine();
  const { image, note } = chooseImage(o.image);
  if (note) process.stderr.write(`ccdk: ${note}\n`);
  create({
    instance,
    image,
    mode,
    workspace,
    hostHome: homedir(),
    user: { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 },
    context: o.context,
    role: o.role,
    agentName: instance,
    model: o.model,
    network: o.network,
    mounts: readMounts(workspace),
    env: passThroughEnv(process.env),
    command: command.length ? command : undefined,
    hostName: hostname(),
    tty,
  });
}

function instanceOption(cmd: Command): Command {
  return cmd.option('-i, --instance <name>', 'instance name (container ccbox-<name>)');
}

function addStartOptions(cmd: Command): Command {
  return instanceOption(cmd)
    .option('-r, --random', 'pick a random instance name')
    .option('--shared', "shared mode: the host's ~/.claude is the container's")
    .option('--shared-mode', 'same as --shared')
    .option('--isolated', 'isolated mode (the default): the container has its own ~/.claude, its sessions appear on the host')
    .option('-m, --model <model>', 'model for the agent (ANTHROPIC_MODEL)')
    .option('--context <name>', 'team context label')
    .option('--role <role>', 'role label')
    .option('--network <name>', "container network (default: the host's)")
    .option('--image <image>', `image (default: $CCDK_IMAGE, else ${DEFAULT_IMAGE}, else ${HOST_IMAGE})`)
    .passThroughOptions();
}

/** Container output, then the session monitor's log (isolated mode), so one grep sees both. */
async function showLogs(c: ContainerInfo, o: { follow?: boolean; tail?: string; daemon?: boolean }): Promise<number> {
  const monitorArgs = ['exec', containerName(c.instance), 'tail', ...(o.follow ? ['-f'] : []), '-n', o.tail ?? '200', MONITOR_LOG];
  if (o.daemon) return dockerAttached(monitorArgs);
  const containerArgs = ['logs', ...(o.follow ? ['--follow'] : []), ...(o.tail ? ['--tail', o.tail] : []), containerName(c.instance)];
  const withMonitor = c.mode === 'isolated' && c.state === 'running';
  if (!o.follow) {
    const code = await dockerAttached(containerArgs);
    if (withMonitor) await dockerAttached(monitorArgs, ['ignore', 'inherit', 'ignore']);
    return code;
  }
  const both = [containerArgs, ...(withMonitor ? [monitorArgs] : [])].map((args) => new Promise<number>((resolve) => spawn(DOCKER, args, { stdio: 'inherit' }).on('close', (code) => resolve(code ?? 1))));
  return (await Promise.all(both))[0]!;
}

export function buildProgram(): Command {
  const program = newProgram('ccdk', 'Run Claude Code agents in containers: isolated (default) or shared mode; their sessions appear on the host for ccost').enablePositionalOptions();
  program.addHelpText('after', '\nThe words after the instance are the command, options included: ccdk exec -i my-agent pgrep -f session_monitor');

  program
    .command('build')
    .description("build the agent image (docker/Dockerfile), or --from-host: offline from this host's Node runtime")
    .option('--from-host', `assemble the image from this host's node, a static busybox and this package (tag ${HOST_IMAGE}, which start uses when ${DEFAULT_IMAGE} is not here)`)
    .option('--tag <tag>', 'image tag')
    .action((o: { fromHost?: boolean; tag?: string }) => {
      checkEngine();
      if (o.fromHost) {
        const b = buildFromHost(o.tag ?? HOST_IMAGE, (s) => process.stderr.write(s + '\n'));
        process.stdout.write(`built ${b.tag} (node ${b.node}${b.claude ? `, Claude Code from ${b.claude}` : ', without Claude Code: none on this host; give agents a command, e.g. ccdk start -i NAME node agent.js'})\n`);
      } else {
        buildFromDockerfile(o.tag ?? DEFAULT_IMAGE);
        process.stdout.write(`built ${o.tag ?? DEFAULT_IMAGE}\n`);
      }
    });

  addStartOptions(program.command('start').description('start an agent container (made first when it does not exist; detached); waits until it runs and, in isolated mode, its session monitor answers'))
    .argument('[words...]', "[NAME] [command...]: the agent command (default: the image's, claude)")
    .action((words: string[], o: StartOptions) => {
      const t = target(words, o, true);
      const instance = t.instance ?? (o.random ? `agent-${randomBytes(3).toString('hex')}` : required(undefined, 'start'));
      checkEngine();
      const current = inspect(instance)?.info ?? null;
      // A terminal for the agent, so Claude Code's interface runs detached and waits for ccdk attach.
      if (!current) createFrom(instance, o, t.command, true);
      else if (t.command.length) throw new UsageError(`${containerName(instance)} exists already, with its own command; ccdk rm -i ${instance} first to give it another`);
      const { outcome, info: c } = startAgent(instance, 'start');
      const how = outcome === 'already running' ? 'is already running' : 'started';
      process.stdout.write(`${containerName(instance)} ${how} (${c.mode} mode${c.mode === 'isolated' ? ', session monitor running' : ''}); ccdk attach -i ${instance} to work with the agent (Ctrl-P Ctrl-Q detaches)\n`);
    });

  addStartOptions(program.command('run').description('run a temporary interactive agent container (a random name unless -i), removed on exit'))
    .argument('[command...]', 'the agent command (default: claude)')
    .action(async (words: string[], o: StartOptions) => {
      const t = target(words, o, false);
      const instance = t.instance ?? `agent-${randomBytes(3).toString('hex')}`;
      createFrom(instance, o, t.command, Boolean(process.stdin.isTTY));
      const code = await dockerAttached(['start', '--attach', '--interactive', containerName(instance)]);
      if (code === 127) process.stderr.write(`ccdk: ${containerName(instance)} exited 127: ${missingCommandHint(instance, 'run')}\n`);
      await dockerAttached(['rm', '--force', containerName(instance)], 'ignore');
      process.exitCode = code;
    });

  instanceOption(program.command('stop [name]').description('stop an agent container')).action((name: string | undefined, o: InstanceOptions) => {
    const c = existing(o.instance ?? name, 'stop');
    if (c.state === 'running' || c.state === 'paused') {
      stop(c.instance);
      process.stdout.write(`${c.container} stopped\n`);
    } else process.stdout.write(`${c.container} was not running (${c.state})\n`);
  });

  instanceOption(program.command('restart [name]').description('restart an agent container (and so its session monitor); waits until both run')).action((name: string | undefined, o: InstanceOptions) => {
    const c = existing(o.instance ?? name, 'restart');
    const r = startAgent(c.instance, 'restart');
    process.stdout.write(`${c.container} restarted (${r.info.mode} mode${r.info.mode === 'isolated' ? ', session monitor running' : ''})\n`);
  });

  instanceOption(program.command('unpause [name]').description("run a paused agent container again (one a budget guard paused: the guard leaves it alone for the rest of the period)"))
    .option('--raise <usd>', 'also raise, for this period, the budgets that paused it by this many dollars (crossing the new limit pauses it again)', positiveNumber)
    .action((name: string | undefined, o: InstanceOptions & { raise?: number }) => {
      const c = existing(o.instance ?? name, 'unpause');
      const r = resumeByHand([c.instance], o.raise ?? 0, (s) => process.stderr.write(`ccdk: ${s}\n`));
      process.stdout.write(`${c.container} ${r.resumed.length ? 'running again' : `was not paused (${c.state})`}${r.rules.length ? `; the guard leaves it alone for this period (${r.rules.join(', ')})${o.raise ? `, budgets raised by $${o.raise}` : ''}` : ''}\n`);
    });

  instanceOption(program.command('attach [name]').description('attach this terminal to a running agent (Ctrl-P Ctrl-Q detaches, leaving it running)')).action(async (name: string | undefined, o: InstanceOptions) => {
    const c = existing(o.instance ?? name, 'attach');
    process.exitCode = await dockerAttached(['attach', c.container]);
  });

  instanceOption(program.command('rm [name]').description('remove an agent container (its session data on the host is kept)'))
    .option('-f, --force', 'remove a running container too')
    .action((name: string | undefined, o: InstanceOptions & { force?: boolean }) => {
      const c = existing(o.instance ?? name, 'rm');
      remove(c.instance, Boolean(o.force));
      process.stdout.write(`${c.container} removed; session data on the host is kept\n`);
    });

  program
    .command('list')
    .alias('ps')
    .description('list agent containers, with their mode (isolated or shared)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      checkEngine();
      const rows = list();
      if (o.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      const head = ['INSTANCE', 'CONTAINER', 'MODE', 'CONTEXT', 'ROLE', 'STATE', 'STATUS'];
      const table = [head, ...rows.map((r) => [r.instance, r.id, r.mode, r.context || '-', r.role || '-', r.state, r.status])];
      const widths = head.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      for (const row of table) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
      if (rows.length === 0) process.stderr.write('no agent containers (ccdk start -i NAME creates one)\n');
    });

  instanceOption(program.command('status [name]').description('show one agent container'))
    .option('--json', 'print JSON')
    .action((name: string | undefined, o: InstanceOptions & { json?: boolean }) => {
      const c = existing(o.instance ?? name, 'status');
      if (o.json) process.stdout.write(JSON.stringify(c, null, 2) + '\n');
      else for (const [k, v] of Object.entries(c)) process.stdout.write(`${k.padEnd(10)} ${v ?? '-'}\n`);
    });

  instanceOption(program.command('logs [name]').description("an agent container's output, then its session monitor's log (isolated mode)"))
    .option('-f, --follow', 'keep following')
    .option('--tail <n>', 'only the last N lines')
    .option('--daemon', `only the session monitor's log (${MONITOR_LOG})`)
    .action(async (name: string | undefined, o: InstanceOptions & { follow?: boolean; tail?: string; daemon?: boolean }) => {
      process.exitCode = await showLogs(existing(o.instance ?? name, 'logs'), o);
    });

  instanceOption(program.command('health [name]').description('health of one agent container (or all): running, session monitor alive, sessions mirrored; exit 0 only when healthy'))
    .option('--json', 'print JSON')
    .action((name: string | undefined, o: InstanceOptions & { json?: boolean }) => {
      checkEngine();
      const which = o.instance ?? name;
      const targets = which ? [info(validName(which))] : list();
      const results = targets.map((c) => health(c, homedir()));
      if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
      else
        for (const r of results) {
          process.stdout.write(`${r.instance}: ${r.healthy ? 'healthy' : 'UNHEALTHY'} (${r.mode}${r.daemonAlive === null ? '' : r.daemonAlive ? ', monitor alive' : ', monitor DOWN'})\n`);
          for (const f of r.folders) process.stdout.write(`  ${f.project} → ${f.hostFolder}${f.behind.length ? ` (${f.behind.length} behind)` : ''}${f.newestWrite ? `, last write ${f.newestWrite}` : ''}\n`);
          for (const p of r.problems) process.stdout.write(`  problem: ${p}\n`);
          for (const l of r.logTail) process.stdout.write(`  log: ${l}\n`);
        }
      process.exitCode = results.length > 0 && results.every((r) => r.healthy) ? 0 : 1;
    });

  const execIn = async (c: ContainerInfo, argv: string[]): Promise<number> => {
    // A TTY only when this side has one, so pipes and scripts work.
    const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const user = `${process.getuid?.() ?? 1000}:${process.getgid?.() ?? 1000}`;
    return dockerAttached(['exec', '--interactive', ...(tty ? ['--tty'] : []), '--user', user, '--env', `HOME=${c.home}`, '--workdir', c.workspace || '/', c.container, ...containerArgs(argv, c.home, c.instance)]);
  };
  instanceOption(program.command('exec').description('run a command in an agent container as the agent user, in the workspace; its exit code is passed through'))
    .argument('[words...]', '[NAME] command...: with -i NAME every word is the command')
    .passThroughOptions()
    .action(async (words: string[], o: InstanceOptions) => {
      const t = target(words, o, true);
      const c = existing(t.instance, 'exec');
      if (t.command.length === 0) throw new UsageError(`give the command: ccdk exec -i ${c.instance} ls`);
      process.exitCode = await execIn(c, t.command);
    });
  instanceOption(program.command('shell').alias('sh').description('a shell in an agent container; with a command, runs that command instead'))
    .argument('[words...]', '[NAME] [command...]')
    .passThroughOptions()
    .action(async (words: string[], o: InstanceOptions) => {
      const t = target(words, o, true);
      const c = existing(t.instance, 'shell');
      process.exitCode = await execIn(c, t.command.length ? t.command : ['/bin/sh']);
    });
  return program;
}

process.exitCode = await runCli('ccdk', buildProgram(), process.argv.slice(2), [UsageError, AgentRefused]);

#!/usr/bin/env node
/**
 * ccdk: Claude Code agents in containers, isolated (default) or shared mode. Thin: parses arguments
 * and calls src/docker.
 */
import type { Command } from 'commander';
import { newProgram, runCli } from './run.js';
import { UsageError } from './common.js';
import { randomBytes } from 'node:crypto';
import { homedir, hostname } from 'node:os';
import { checkEngine, dockerAttached } from '../docker/engine.js';
import { create, info, list, remove, start, stop, type ContainerInfo } from '../docker/containers.js';
import { buildFromDockerfile, buildFromHost, DEFAULT_IMAGE, HOST_IMAGE } from '../docker/image.js';
import { AGENT_HOME, containerName, passThroughEnv, validateInstance, type Mode } from '../docker/spec.js';
import { readMounts } from '../docker/mounts.js';
import { health } from '../docker/health.js';

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

function instanceOf(positional: string | undefined, opts: InstanceOptions): string {
  const name = opts.instance ?? positional ?? (opts.random ? `agent-${randomBytes(3).toString('hex')}` : undefined);
  if (!name) throw new UsageError('name the instance: -i NAME (or a positional NAME, or -r for a random one)');
  try {
    validateInstance(name);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return name;
}

/** With -i NAME every word after the options is the command: `ccdk exec -i a -- ls` runs ls in a. */
function splitArgs(name: string | undefined, command: string[], o: InstanceOptions): [string | undefined, string[]] {
  return o.instance && name !== undefined ? [undefined, [name, ...command]] : [name, command];
}

/** The named instance, which must exist on a reachable engine. */
function existing(name: string | undefined, o: InstanceOptions): ContainerInfo {
  const instance = instanceOf(name, o);
  checkEngine();
  return info(instance);
}

function modeOf(o: StartOptions): Mode {
  if ((o.shared || o.sharedMode) && o.isolated) throw new UsageError('choose one of --shared and --isolated');
  return o.shared || o.sharedMode ? 'shared' : 'isolated';
}

function defaultImage(): string {
  return process.env.CCDK_IMAGE || DEFAULT_IMAGE;
}

function createFrom(instance: string, o: StartOptions, command: string[], tty: boolean): void {
  checkEngine();
  create({
    instance,
    image: o.image ?? defaultImage(),
    mode: modeOf(o),
    workspace: process.cwd(),
    hostHome: homedir(),
    user: { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 },
    context: o.context,
    role: o.role,
    agentName: instance,
    model: o.model,
    network: o.network,
    mounts: readMounts(process.cwd()),
    env: passThroughEnv(process.env),
    command: command.length ? command : undefined,
    hostName: hostname(),
    tty,
  });
}

function addStartOptions(cmd: Command): Command {
  return cmd
    .option('-i, --instance <name>', 'instance name (container ccbox-<name>)')
    .option('-r, --random', 'pick a random instance name')
    .option('--shared', "shared mode: the host's ~/.claude is the container's")
    .option('--shared-mode', 'same as --shared')
    .option('--isolated', 'isolated mode (the default): the container has its own ~/.claude, its sessions appear on the host')
    .option('-m, --model <model>', 'model for the agent (ANTHROPIC_MODEL)')
    .option('--context <name>', 'team context label')
    .option('--role <role>', 'role label')
    .option('--network <name>', "container network (default: the host's)")
    .option('--image <image>', `image (default: $CCDK_IMAGE, else ${DEFAULT_IMAGE})`);
}

export function buildProgram(): Command {
  const program = newProgram('ccdk', 'Run Claude Code agents in containers: isolated (default) or shared mode; their sessions appear on the host for ccost');

  program
    .command('build')
    .description('build the agent image (docker/Dockerfile), or --from-host: offline from this host\'s Node runtime')
    .option('--from-host', `assemble the image from this host's node, a static busybox and this package (tag ${HOST_IMAGE})`)
    .option('--tag <tag>', 'image tag')
    .action((o: { fromHost?: boolean; tag?: string }) => {
      checkEngine();
      if (o.fromHost) {
        const b = buildFromHost(o.tag ?? HOST_IMAGE, (s) => process.stderr.write(s + '\n'));
        process.stdout.write(`built ${b.tag} (node ${b.node}${b.claude ? `, Claude Code from ${b.claude}` : ', without Claude Code: none on this host'})\n`);
      } else {
        buildFromDockerfile(o.tag ?? DEFAULT_IMAGE);
        process.stdout.write(`built ${o.tag ?? DEFAULT_IMAGE}\n`);
      }
    });

  addStartOptions(program.command('start [name]').description('create and start a persistent agent container (detached)'))
    .argument('[command...]', 'agent command (default: the image\'s, claude)')
    .action((name0: string | undefined, command0: string[], o: StartOptions) => {
      const [name, command] = splitArgs(name0, command0, o);
      const instance = instanceOf(name, o);
      checkEngine();
      const current = list().find((c) => c.instance === instance);
      // A terminal for the agent, so Claude Code's interface runs detached and waits for ccdk attach.
      if (!current) createFrom(instance, o, command, true);
      start(instance);
      process.stdout.write(`${containerName(instance)} started (${current?.mode ?? modeOf(o)} mode); ccdk attach ${instance} to work with the agent (Ctrl-P Ctrl-Q detaches)\n`);
    });

  addStartOptions(program.command('run [name]').description('run a temporary interactive agent container, removed on exit'))
    .argument('[command...]', 'agent command (default: claude)')
    .action(async (name0: string | undefined, command0: string[], o: StartOptions) => {
      const [name, command] = splitArgs(name0, command0, o);
      const instance = instanceOf(name, { ...o, random: o.random || (!name && !o.instance) });
      createFrom(instance, o, command, Boolean(process.stdin.isTTY));
      const code = await dockerAttached(['start', '--attach', '--interactive', containerName(instance)]);
      await dockerAttached(['rm', '--force', containerName(instance)], 'ignore');
      process.exitCode = code;
    });

  for (const [verb, what] of [['stop', 'stop'], ['restart', 'restart']] as const)
    program
      .command(`${verb} [name]`)
      .description(`${what} an agent container`)
      .option('-i, --instance <name>', 'instance name')
      .action((name: string | undefined, o: InstanceOptions) => {
        const { instance } = existing(name, o);
        if (verb === 'stop') stop(instance);
        else {
          stop(instance);
          start(instance);
        }
        process.stdout.write(`${containerName(instance)} ${verb === 'stop' ? 'stopped' : 'restarted'}\n`);
      });

  program
    .command('attach [name]')
    .description("attach this terminal to a running agent (Ctrl-P Ctrl-Q detaches, leaving it running)")
    .option('-i, --instance <name>', 'instance name')
    .action(async (name: string | undefined, o: InstanceOptions) => {
      const { instance } = existing(name, o);
      process.exitCode = await dockerAttached(['attach', containerName(instance)]);
    });

  program
    .command('rm [name]')
    .description('remove an agent container (its session data on the host is kept)')
    .option('-i, --instance <name>', 'instance name')
    .option('-f, --force', 'remove a running container too')
    .action((name: string | undefined, o: InstanceOptions & { force?: boolean }) => {
      const { instance } = existing(name, o);
      remove(instance, Boolean(o.force));
      process.stdout.write(`${containerName(instance)} removed; session data on the host is kept\n`);
    });

  program
    .command('list')
    .alias('ps')
    .description('list agent containers')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      checkEngine();
      const rows = list();
      if (o.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      const head = ['INSTANCE', 'CONTAINER', 'MODE', 'CONTEXT', 'ROLE', 'STATUS', 'CREATED'];
      const table = [head, ...rows.map((r) => [r.instance, r.id, r.mode, r.context || '-', r.role || '-', r.status, r.created.slice(0, 19)])];
      const widths = head.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      for (const row of table) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
      if (rows.length === 0) process.stderr.write('no agent containers (ccdk start -i NAME creates one)\n');
    });

  program
    .command('status [name]')
    .description('show one agent container')
    .option('-i, --instance <name>', 'instance name')
    .option('--json', 'print JSON')
    .action((name: string | undefined, o: InstanceOptions & { json?: boolean }) => {
      const c = existing(name, o);
      if (o.json) process.stdout.write(JSON.stringify(c, null, 2) + '\n');
      else for (const [k, v] of Object.entries(c)) process.stdout.write(`${k.padEnd(10)} ${v || '-'}\n`);
    });

  program
    .command('logs [name]')
    .description("show an agent container's output (--daemon: the session monitor's log)")
    .option('-i, --instance <name>', 'instance name')
    .option('-f, --follow', 'keep following')
    .option('--tail <n>', 'only the last N lines')
    .option('--daemon', 'the session monitor log (/var/log/session_monitor.log) instead')
    .action(async (name: string | undefined, o: InstanceOptions & { follow?: boolean; tail?: string; daemon?: boolean }) => {
      const { instance } = existing(name, o);
      const args = o.daemon
        ? ['exec', containerName(instance), 'tail', ...(o.follow ? ['-f'] : []), '-n', o.tail ?? '200', '/var/log/session_monitor.log']
        : ['logs', ...(o.follow ? ['--follow'] : []), ...(o.tail ? ['--tail', o.tail] : []), containerName(instance)];
      process.exitCode = await dockerAttached(args);
    });

  program
    .command('health [name]')
    .description('health of one agent container (or all): running, session monitor alive, sessions mirrored; exit 0 only when healthy')
    .option('-i, --instance <name>', 'instance name')
    .option('--json', 'print JSON')
    .action((name: string | undefined, o: InstanceOptions & { json?: boolean }) => {
      checkEngine();
      const which = name ?? o.instance;
      const targets = which ? [info(instanceOf(which, {}))] : list();
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

  const execAction = (shell: boolean) => async (name0: string | undefined, command0: string[], o: InstanceOptions) => {
    const [name, command] = splitArgs(name0, command0, o);
    const c = existing(name, o);
    const argv = shell ? ['/bin/sh'] : command;
    if (argv.length === 0) throw new UsageError('give the command after --, e.g. ccdk exec -i NAME -- ls');
    // A TTY only when this side has one, so pipes and scripts work.
    const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const args = ['exec', '--interactive', ...(tty ? ['--tty'] : []), '--user', `${process.getuid?.() ?? 1000}:${process.getgid?.() ?? 1000}`, '--env', `HOME=${AGENT_HOME}`, '--workdir', c.workspace || '/', containerName(c.instance), ...argv];
    process.exitCode = await dockerAttached(args);
  };
  program
    .command('exec [name]')
    .description('run a command in an agent container as the agent user, in the workspace; its exit code is passed through')
    .option('-i, --instance <name>', 'instance name')
    .argument('[command...]', 'the command, after --')
    .action(execAction(false));
  program.command('shell [name]').alias('sh').description('a shell in an agent container').option('-i, --instance <name>', 'instance name').action((name: string | undefined, o: InstanceOptions) => execAction(true)(name, [], o));
  return program;
}

process.exitCode = await runCli('ccdk', buildProgram(), process.argv.slice(2), [UsageError]);

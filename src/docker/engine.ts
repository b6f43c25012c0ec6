/**
 * The container engine, through the docker command line (works with Docker, and with Podman's
 * docker-compatible CLI). Every call is an argument vector: no shell, nothing built from strings.
 */
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';

export class EngineError extends Error {}

/** No engine answers: the message says so and how to start one. */
export class EngineUnavailable extends EngineError {}

export const DOCKER = process.env.CCDK_DOCKER || 'docker';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function dockerSync(args: string[], input?: string | Buffer): Result {
  const r = spawnSync(DOCKER, args, { encoding: 'utf8', input, maxBuffer: 64 << 20 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new EngineUnavailable(`the ${DOCKER} command is not installed; install Docker (e.g. apt-get install docker.io) or Podman with its docker CLI`);
    throw new EngineError(r.error.message);
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and throws with the engine's own message when the command fails. */
export function dockerOk(args: string[], input?: string): string {
  const r = dockerSync(args, input);
  if (r.code !== 0) throw new EngineError(`${DOCKER} ${args[0]} failed: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Runs attached to this process's terminal (or pipes), passing the exit code through. */
export function dockerAttached(args: string[], stdio: StdioOptions = 'inherit'): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(DOCKER, args, { stdio });
    p.on('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? new EngineUnavailable(`the ${DOCKER} command is not installed`) : err));
    p.on('close', (code) => resolve(code ?? 1));
  });
}

export function checkEngine(): string {
  const r = dockerSync(['version', '--format', '{{.Server.Version}}']);
  if (r.code !== 0 || !r.stdout.trim()) {
    const why = r.stderr.trim().split('\n').pop() ?? 'no answer';
    throw new EngineUnavailable(`no container engine is reachable (${why}); start one (sudo systemctl start docker, or run dockerd) and try again`);
  }
  return r.stdout.trim();
}

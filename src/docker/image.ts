/**
 * Images for agent containers: `ccdk build` from the Dockerfile in the repo (Node 20 + Claude Code
 * from npm), and `ccdk build --from-host`, an image assembled offline from this host's Node runtime
 * (and the shared libraries it loads), a static busybox for the shell, and this package.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerOk, EngineError } from './engine.js';
import { AGENT_HOME } from './spec.js';

export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
export const DEFAULT_IMAGE = 'ccbox:latest';
export const HOST_IMAGE = 'ccbox:host';

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];
// What a person checking on an agent types (the guide: ps aux, pgrep -f, ls -la, cat), and what scripts need.
const SHELL_TOOLS = ['sh', 'ls', 'cat', 'mkdir', 'rm', 'mv', 'cp', 'ln', 'sleep', 'echo', 'env', 'ps', 'kill', 'tail', 'head', 'grep', 'sed', 'awk', 'cut', 'tr', 'xargs', 'wc', 'id', 'whoami', 'touch', 'stat', 'chmod', 'true', 'false', 'pwd', 'date', 'find', 'readlink', 'printf', 'test', '[', 'which', 'du', 'df'];

const PROCPS_TOOLS = ['pgrep', 'pkill'];
const PROCPS_DIRS = ['/usr/bin', '/bin'];

/** The shared libraries a binary loads, from ldd. */
function sharedLibraries(binary: string): string[] {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  const libs: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

/** chmod a+rX, recursively: what is in the image runs as any user. */
function readableByAll(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  chmodSync(path, st.mode | 0o444 | (st.isDirectory() || st.mode & 0o111 ? 0o111 : 0));
  if (st.isDirectory()) for (const name of readdirSync(path)) readableByAll(join(path, name));
}

function copyInto(root: string, file: string): void {
  const dest = join(root, file);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(realpathSync(file), dest);
  chmodSync(dest, 0o755);
}

export interface HostBuild {
  tag: string;
  node: string;
  claude: string | null;
}

/** Assembles the offline image; returns what went in. */
export function buildFromHost(tag = HOST_IMAGE, log: (s: string) => void = () => {}): HostBuild {
  const node = realpathSync(process.execPath);
  const busybox = BUSYBOX_CANDIDATES.find((p) => existsSync(p));
  if (!busybox) throw new EngineError('build --from-host needs a static busybox on the host (Debian: apt-get install busybox-static)');
  if (!existsSync(join(PACKAGE_ROOT, 'dist', 'src'))) throw new EngineError(`build --from-host needs the built package (run npm install in ${PACKAGE_ROOT})`);
  const ctx = mkdtempSync(join(tmpdir(), 'ccbox-build-'));
  try {
    const root = join(ctx, 'rootfs');
    copyInto(root, node);
    if (node !== '/usr/bin/node') {
      mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
      symlinkSync(node, join(root, 'usr', 'bin', 'node'));
    }
    for (const lib of sharedLibraries(node)) copyInto(root, lib);
    // Debian's static busybox has no pgrep or pkill (the guide's `pgrep -f session_monitor`): the
    // host's procps ones go in, with their libraries.
    const procps = PROCPS_TOOLS.map((t) => PROCPS_DIRS.map((d) => join(d, t)).find((p) => existsSync(p))).filter((p): p is string => Boolean(p));
    for (const tool of procps) {
      copyInto(root, tool);
      for (const lib of sharedLibraries(tool)) copyInto(root, lib);
    }
    if (procps.length < PROCPS_TOOLS.length) log(`note: no ${PROCPS_TOOLS.join('/')} on this host (Debian: apt-get install procps); the image will lack them`);
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync(busybox, join(root, 'bin', 'busybox'));
    chmodSync(join(root, 'bin', 'busybox'), 0o755);
    for (const tool of SHELL_TOOLS) symlinkSync('/bin/busybox', join(root, 'bin', tool));
    // Scripts start with #!/usr/bin/env node (Claude Code's cli.js does).
    mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
    if (!existsSync(join(root, 'usr', 'bin', 'env'))) symlinkSync('/bin/busybox', join(root, 'usr', 'bin', 'env'));
    const app = join(root, 'opt', 'ccorc');
    mkdirSync(app, { recursive: true });
    cpSync(join(PACKAGE_ROOT, 'dist', 'src'), join(app, 'dist', 'src'), { recursive: true });
    cpSync(join(PACKAGE_ROOT, 'data'), join(app, 'data'), { recursive: true });
    cpSync(join(PACKAGE_ROOT, 'docker', 'entrypoint.sh'), join(app, 'entrypoint.sh'));
    chmodSync(join(app, 'entrypoint.sh'), 0o755);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'ccorc', type: 'module', version: JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version }));
    // If Claude Code is installed on the host, it goes in too.
    // If Claude Code is installed on the host, it goes in too: its package folder, and `claude` on the
    // PATH pointing at the same file as the host's does (npm links it to the package's cli.js).
    const which = spawnSync('sh', ['-c', 'command -v claude'], { encoding: 'utf8' });
    let claude: string | null = null;
    if (which.status === 0 && which.stdout.trim()) {
      const real = realpathSync(which.stdout.trim());
      claude = dirname(real);
      cpSync(claude, join(root, 'opt', 'claude-code'), { recursive: true });
      readableByAll(join(root, 'opt', 'claude-code')); // the agent runs as the host user, not root
      mkdirSync(join(root, 'usr', 'local', 'bin'), { recursive: true });
      symlinkSync(`/opt/claude-code/${basename(real)}`, join(root, 'usr', 'local', 'bin', 'claude'));
    }
    for (const d of ['tmp', 'var/log', 'var/run', 'etc', AGENT_HOME.slice(1)]) mkdirSync(join(root, d), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    chmodSync(join(root, 'var', 'log'), 0o1777);
    chmodSync(join(root, 'var', 'run'), 0o1777);
    chmodSync(join(root, AGENT_HOME.slice(1)), 0o1777);
    writeFileSync(join(root, 'etc', 'passwd'), `root:x:0:0:root:/root:/bin/sh\nagent:x:1000:1000:agent:${AGENT_HOME}:/bin/sh\n`);
    writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nagent:x:1000:\n');
    writeFileSync(
      join(ctx, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY rootfs/ /',
        'ENV PATH=/usr/local/bin:/usr/bin:/bin',
        `ENV HOME=${AGENT_HOME}`,
        `LABEL xyz.texot.ccbox.image=from-host`,
        'ENTRYPOINT ["/opt/ccorc/entrypoint.sh"]',
        'CMD ["claude"]',
        '',
      ].join('\n'),
    );
    log(`building ${tag} from this host's node (${node}) and ${busybox}`);
    dockerOk(['build', '--quiet', '--tag', tag, ctx]);
    return { tag, node, claude };
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** The image for real use: docker/Dockerfile (needs a registry for its base image and npm). */
export function buildFromDockerfile(tag = DEFAULT_IMAGE): void {
  dockerOk(['build', '--tag', tag, '--file', join(PACKAGE_ROOT, 'docker', 'Dockerfile'), PACKAGE_ROOT]);
}

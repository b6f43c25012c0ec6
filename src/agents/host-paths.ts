/**
 * Words of a command for `ccdk exec` that the user's shell expanded on the host. The agent's home is
 * the host home's path, so `~/...` already means the agent's home; the one host path that has a
 * counterpart of another name inside is this instance's own mirror folder,
 * `~/.claude/projects/ccbox-<instance>-<project>/...`, which is the container's
 * `~/.claude/projects/<project>/...` as the host sees it. So the guide's
 * `ccdk exec -i my-agent ls ~/.claude/projects/*\/` compares what it should. Pure.
 */
import { parseProjectFolder } from '../sessions/attribution.js';

export function containerArgs(args: readonly string[], home: string, instance: string): string[] {
  const projects = `${home.replace(/\/+$/, '')}/.claude/projects/`;
  return args.map((arg) => {
    if (!arg.startsWith(projects)) return arg;
    const rest = arg.slice(projects.length);
    const cut = rest.indexOf('/');
    const folder = cut < 0 ? rest : rest.slice(0, cut);
    const parsed = parseProjectFolder(folder);
    return parsed.instance === instance ? projects + parsed.project + (cut < 0 ? '' : rest.slice(cut)) : arg;
  });
}

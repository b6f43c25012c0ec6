/**
 * Which image a new agent container uses: the one named (--image or $CCDK_IMAGE); else ccbox:latest
 * (`ccdk build`); else ccbox:host (`ccdk build --from-host`, the offline build), said on stderr.
 */
import { imageExists } from '../docker/containers.js';
import { DEFAULT_IMAGE, HOST_IMAGE } from '../docker/image.js';
import { AgentRefused } from './errors.js';

export interface ImageChoice {
  image: string;
  /** Set when the default was not there and the offline build is used instead. */
  note: string | null;
}

export function chooseImage(named: string | undefined, env: NodeJS.ProcessEnv = process.env, has: (image: string) => boolean = imageExists): ImageChoice {
  const explicit = named ?? (env.CCDK_IMAGE || undefined);
  if (explicit) {
    if (!has(explicit)) throw new AgentRefused(`image ${explicit} is not here: build it with ccdk build (or ccdk build --from-host on a machine without a registry), or name another with --image`);
    return { image: explicit, note: null };
  }
  if (has(DEFAULT_IMAGE)) return { image: DEFAULT_IMAGE, note: null };
  if (has(HOST_IMAGE)) return { image: HOST_IMAGE, note: `using ${HOST_IMAGE} (the offline build): ${DEFAULT_IMAGE} is not here` };
  throw new AgentRefused(`no agent image: build one with ccdk build (Claude Code from npm; needs a registry) or ccdk build --from-host (offline, from this host's Node)`);
}

/**
 * What the agents layer refuses or fails at. Refusals (a plan that would touch what is not ours, a
 * name collision, a missing image) are usage errors: exit 2 with the reason. A container that does
 * not come up is an engine failure: exit 1 with its exit code and its last lines.
 */
import { EngineError } from '../docker/engine.js';

/** The plan is refused before anything is done. */
export class AgentRefused extends Error {}

/** Something was started and did not come up as it should. */
export class AgentFailed extends EngineError {}

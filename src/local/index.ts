import type { SfnBackend } from '../backends/sfn/client.js';
import type { Config } from '../config.js';

/** The embedded Step Functions engine (issue: local engine). Placeholder until the engine lands. */
export interface LocalEngineHandle {
  sfnBackend: () => Promise<SfnBackend>;
  close: () => Promise<void>;
}

export async function startLocalEngine(config: Config): Promise<LocalEngineHandle> {
  throw new Error(`the embedded engine is not available yet (asked for ${config.local?.dir ?? 'examples'})`);
}

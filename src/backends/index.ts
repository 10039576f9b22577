import type { Config } from '../config.js';
import type { SfnBackend } from './sfn/client.js';

/**
 * The narrow backend modules, created lazily on first use so that starting the server does not
 * load any backend SDK (startup time), and so an unconfigured backend costs nothing.
 */
export interface Backends {
  sfn(): Promise<SfnBackend>;
  close(): Promise<void>;
}

export interface BackendOverrides {
  /** Replaces the Step Functions backend factory (the local engine, tests). */
  sfn?: () => Promise<SfnBackend>;
}

export function createBackends(config: Config, overrides: BackendOverrides = {}): Backends {
  let sfn: Promise<SfnBackend> | undefined;
  const closers: Array<() => Promise<void> | void> = [];
  return {
    sfn() {
      sfn ??= (overrides.sfn ?? (async () => (await import('./sfn/client.js')).createSfnBackend(config)))().then((b) => {
        closers.push(() => b.close());
        return b;
      });
      // A failed construction is retried on the next call rather than cached.
      sfn.catch(() => {
        sfn = undefined;
      });
      return sfn;
    },
    async close() {
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
}

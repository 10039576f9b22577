import type { Config } from '../config.js';
import type { OnaBackend } from './ona/client.js';
import type { SfnBackend } from './sfn/client.js';

/**
 * The narrow backend modules, created lazily on first use so that starting the server does not
 * load any backend SDK (startup time), and so an unconfigured backend costs nothing.
 */
export interface Backends {
  sfn(): Promise<SfnBackend>;
  /** Rejects with a not_configured BackendError when no Ona API key is set. */
  ona(): Promise<OnaBackend>;
  close(): Promise<void>;
}

export interface BackendOverrides {
  /** Replaces the Step Functions backend factory (the local engine, tests). */
  sfn?: () => Promise<SfnBackend>;
  /** Replaces the Ona backend factory (tests: short retry delays and timeouts). */
  ona?: () => Promise<OnaBackend>;
}

export function createBackends(config: Config, overrides: BackendOverrides = {}): Backends {
  let sfn: Promise<SfnBackend> | undefined;
  let ona: Promise<OnaBackend> | undefined;
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
    ona() {
      ona ??= (overrides.ona ?? (async () => (await import('./ona/client.js')).createOnaBackend(config)))().then((b) => {
        closers.push(() => b.close());
        return b;
      });
      ona.catch(() => {
        ona = undefined;
      });
      return ona;
    },
    async close() {
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
}

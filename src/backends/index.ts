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
  const closers: Array<() => Promise<void> | void> = [];
  /** One backend, built on first use; a failed construction is retried on the next call, not cached. */
  const lazy = <B extends { close(): void | Promise<void> }>(build: () => Promise<B>): (() => Promise<B>) => {
    let pending: Promise<B> | undefined;
    return () => {
      pending ??= build().then((backend) => {
        closers.push(() => backend.close());
        return backend;
      });
      pending.catch(() => {
        pending = undefined;
      });
      return pending;
    };
  };
  return {
    sfn: lazy(overrides.sfn ?? (async () => (await import('./sfn/client.js')).createSfnBackend(config))),
    ona: lazy(overrides.ona ?? (async () => (await import('./ona/client.js')).createOnaBackend(config))),
    async close() {
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
}

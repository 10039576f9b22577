import { basename, join } from 'node:path';
import type { SfnBackend } from '../backends/sfn/client.js';
import type { Config } from '../config.js';
import { log } from '../log.js';
import { SfnApi } from './api.js';
import { LOCAL_ACCOUNT } from './arns.js';
import { loadDefinitions } from './definitions.js';
import { LocalEngine } from './engine.js';
import { installPromisePolyfill } from './library.js';
import { HANDLER_FILES, loadHandlers } from './tasks.js';
import { createRequestHandler, startHttpEndpoint, type HttpEndpoint } from './transport.js';

/** The embedded Step Functions engine behind `--local [DIR]`. */
export interface LocalEngineHandle {
  sfnBackend: () => Promise<SfnBackend>;
  /** `http://127.0.0.1:<port>` when `--local-port` is set. */
  url: string | undefined;
  /** The engine's SFN JSON 1.0 API as a socket-free SDK request handler. */
  requestHandler: ReturnType<typeof createRequestHandler>;
  close: () => Promise<void>;
}

export interface LocalEngineOptions {
  /** Clock for paging-token expiry (tests move it). */
  now?: () => number;
}

export async function startLocalEngine(config: Config, options: LocalEngineOptions = {}): Promise<LocalEngineHandle> {
  const local = config.local;
  if (!local) throw new Error('startLocalEngine needs --local');
  installPromisePolyfill();
  const scope = { region: config.aws.region ?? 'us-east-1', account: LOCAL_ACCOUNT };
  const roleArn = `arn:aws:iam::${LOCAL_ACCOUNT}:role/executions-mcp-local`;
  const warn = (message: string) => log.warn(message);
  const [{ machines, skipped }, handlers] = await Promise.all([loadDefinitions(local.dir, scope, warn), loadHandlers(local.dir, warn)]);
  const engine = new LocalEngine(
    machines,
    { scope, roleArn, timeScale: local.timeScale, handlers, handlerFileHint: handlers.file ?? join(local.dir, HANDLER_FILES[0] ?? 'handlers.mjs') },
    skipped,
  );
  const api = new SfnApi(engine, scope, roleArn, options.now ?? Date.now);
  const requestHandler = createRequestHandler(api);
  void engine.warm();
  let http: HttpEndpoint | undefined;
  if (local.port !== undefined) {
    http = await startHttpEndpoint(api, local.port, { allowWrites: config.allowWrites });
    log.info('local Step Functions API listening', { url: http.url, example: `aws stepfunctions --endpoint-url ${http.url} list-state-machines` });
  }
  log.info('local engine ready', {
    dir: local.dir,
    stateMachines: machines.map((m) => m.name),
    handlers: handlers.file ? `${basename(handlers.file)} (${handlers.byKey.size})` : 'none',
    timeScale: local.timeScale,
  });

  return {
    url: http?.url,
    requestHandler,
    // A fresh SFNClient per caller: each owner closes its own; they share the engine.
    sfnBackend: async () =>
      (await import('../backends/sfn/client.js')).createSfnBackend(config, { local: true, requestHandler, unrunnableDefinitions: (signal) => engine.unrunnable(signal) }),
    close: async () => {
      engine.stopAll();
      await http?.close();
    },
  };
}

#!/usr/bin/env node
import { Console } from 'node:console';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, RESERVED_TOOLSETS, activeToolsets, loadConfig, normalizeAwsEnv, secretsOf, shownUrl, type Config } from './config.js';
import { createBackends, type BackendOverrides } from './backends/index.js';
import { log, setLogLevel, setRedactions } from './log.js';
import { CallTracker } from './server/activity.js';
import { loadInBackground, type BackgroundEngine } from './local/background.js';
import { takeStdout } from './transports/stdout.js';
import type { Writable } from 'node:stream';
import { VERSION } from './version.js';

const HELP = `executions-mcp ${VERSION}: MCP server for AWS Step Functions and Ona agent executions

Usage: executions-mcp [options]
  --transport stdio|http     transport (default stdio)             EXECUTIONS_MCP_TRANSPORT
  --host H --port P          HTTP bind address (127.0.0.1:3000)    EXECUTIONS_MCP_HOST / _PORT
  --http-token T             HTTP bearer token (16+ characters)    EXECUTIONS_MCP_HTTP_TOKEN
  --allowed-hosts a,b        extra Host/Origin names accepted      EXECUTIONS_MCP_ALLOWED_HOSTS
  --allow-writes[=false]     register start/stop/redrive tools     EXECUTIONS_MCP_ALLOW_WRITES
  --toolsets a,b             stepfunctions,ona (default: those configured)
  --local [DIR]              embedded Step Functions engine         EXECUTIONS_MCP_LOCAL
  --local-port N             also serve the engine's SFN API on 127.0.0.1:N
  --local-time-scale F       factor on Wait/Retry durations (0.001 = 1000x faster)
  --max-payload-chars N      cut execution payloads at N chars (2000)
  --response-budget-chars N  size cap of one answer (60000)
  --help, --version
Environment only: EXECUTIONS_MCP_WRITES_PER_MINUTE, EXECUTIONS_MCP_CALL_DEADLINE_MS,
  EXECUTIONS_MCP_CURSOR_SECRET, EXECUTIONS_MCP_LOG_LEVEL (see the README's configuration table).
AWS: AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_SFN. Ona: ONA_API_KEY, ONA_BASE_URL.
Each flag also has an EXECUTIONS_MCP_* variable (--local-port: EXECUTIONS_MCP_LOCAL_PORT); flags win.
`;

/**
 * Where Step Functions requests go, as far as the environment tells: the AWS config file, which can
 * name an endpoint too, is read by the SDK at the first call, not here (start-up stays fast).
 */
function sfnEndpointShown(config: Config): string {
  if (config.aws.endpoints.sfn) return shownUrl(config.aws.endpoints.sfn);
  if (config.aws.sdkEndpoint) return `${shownUrl(config.aws.sdkEndpoint)} (AWS_ENDPOINT_URL)`;
  if (config.aws.configuredEndpointsIgnored) return 'AWS';
  const profile = config.aws.profile ? `profile ${config.aws.profile}` : 'the AWS profile';
  return `AWS, unless ${profile} sets endpoint_url (or an sfn endpoint_url in its services section)`;
}

/** What stderr gets outside the JSON log: one line, though a handler's error message may hold line breaks. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ');
}

async function main(): Promise<void> {
  // A server idles beside its client for hours: grow the heap in 20% steps rather than V8's
  // throughput-oriented default, so bursts (a 25,000-event history) leave less resident memory.
  // Measured by npm run bench (5): peak RSS 150–167 MB → 120–128 MB, no measurable slowdown.
  setFlagsFromString('--heap-growing-percent=20');
  let config: Config;
  try {
    const request = loadConfig(process.argv.slice(2), process.env);
    // Asked for directly, not as an MCP server: stdout is the terminal here.
    if (request.kind === 'help') {
      process.stdout.write(HELP);
      return;
    }
    if (request.kind === 'version') {
      process.stdout.write(`${VERSION}\n`);
      return;
    }
    config = request.config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`executions-mcp: ${oneLine(err.message)}\n`);
      process.exit(2);
    }
    throw err;
  }
  setRedactions(secretsOf(config));
  setLogLevel(config.logLevel);
  normalizeAwsEnv(process.env);
  // The AWS SDK prints a multi-line warning on Node < 22; say it once, as a log line, instead.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (Number(process.versions.node.split('.')[0]) < 22) {
    log.info(`running on Node.js ${process.versions.node}; AWS SDK releases after January 2027 need Node.js 22 or newer`);
  }

  let protocolOut: Writable | undefined;
  if (config.transport === 'stdio') {
    // stdout carries the protocol: whatever a local task handler or a dependency prints goes to stderr.
    protocolOut = takeStdout();
    globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
  }

  let closing = false;
  let exitCode = 0;
  const overrides: BackendOverrides = {};
  let local: BackgroundEngine | undefined;
  if (config.local) {
    // A broken DIR (or a handlers.mjs that fails or never settles, or a --local-port in use) stops
    // the process with exit code 2, once the client could learn why (see background.ts).
    local = loadInBackground(config, {
      failed: (reason) => {
        process.stderr.write(`executions-mcp: local engine: ${oneLine(reason)}\n`);
        // Whatever ends the process from now on (the host closing stdin too) ends it with code 2.
        exitCode = Math.max(exitCode, 2);
      },
      stop: () => shutdown('the local engine failed to start', 2),
    });
    overrides.sfn = local.sfn;
  }
  const backends = createBackends(config, overrides);
  const toolsets = activeToolsets(config);
  log.info('starting', {
    version: VERSION,
    transport: config.transport,
    toolsets,
    writes: config.allowWrites ? 'allowed' : 'read-only',
    ...(toolsets.includes('stepfunctions') && {
      region: config.local ? 'local engine' : (config.aws.region ?? '(from AWS config)'),
      profile: config.local ? undefined : (config.aws.profile ?? '(default chain)'),
      sfnEndpoint: config.local ? `embedded (${config.local.dir})` : sfnEndpointShown(config),
    }),
    ...(toolsets.includes('ona') && { onaBaseUrl: config.ona.baseUrl, onaKey: config.ona.apiKey ? 'set' : 'missing: set ONA_API_KEY' }),
  });
  const reserved = toolsets.filter((t) => RESERVED_TOOLSETS.includes(t));
  if (reserved.length > 0) log.warn(`toolsets ${reserved.join(', ')} have no tools in this version yet; they are ignored`);

  const deps = { config, backends, calls: new CallTracker(), onInitialized: local?.initialized };
  let close: () => Promise<void> = async () => undefined;
  const shutdown = (reason: string, code = 0) => {
    // A failure met while already stopping (the engine failing after stdin closed) still exits non-zero.
    exitCode = Math.max(exitCode, code);
    if (closing) {
      // A second signal (Ctrl-C again) is the operator's "now": go without waiting for calls in flight.
      if (reason.startsWith('SIG')) {
        log.warn('second signal: exiting now, without waiting for calls in flight', { reason });
        process.exit(1);
      }
      return;
    }
    closing = true;
    log.info('shutting down', { reason });
    // Calls in flight get their time limit to answer; then the process goes regardless.
    const forced = setTimeout(() => process.exit(exitCode), config.limits.callDeadlineMs + 6000);
    forced.unref();
    // The local engine stops its executions only once the calls in flight have answered.
    void close()
      .catch(() => undefined)
      .then(() => local?.close())
      .catch(() => undefined)
      .then(() => process.exit(exitCode));
  };
  ({ close } =
    config.transport === 'http'
      ? await (await import('./transports/http.js')).startHttp(deps)
      : (await import('./transports/stdio.js')).startStdio(deps, protocolOut ?? process.stdout, () => shutdown('stdin closed')));
  // Not once(): after the first, the default action of a second one would kill the process unlogged.
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

// Node's own warnings (e.g. MaxListenersExceeded) as JSON log lines, like everything else on stderr.
process.removeAllListeners('warning');
process.on('warning', (warning) => log.warn('node warning', { name: warning.name, warning: warning.message }));
process.on('unhandledRejection', (reason) => {
  log.error('bug: unhandled rejection', { error: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason) });
});
// Local task handlers run in this process: one that throws from a timer must not take the server
// (and every other execution) down with it.
process.on('uncaughtException', (err) => {
  log.error('uncaught exception (a local task handler or a bug); the server keeps running', { error: `${err.name}: ${err.message}`, stack: err.stack });
});
// Writing to a stderr the host has closed fails with EPIPE: drop it (logging it would write to
// stderr again, endlessly).
process.stderr.on('error', () => undefined);

main().catch((err: unknown) => {
  process.stderr.write(`executions-mcp: failed to start: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
  // A port in use is the configuration's to fix, like any invalid setting.
  process.exit(err instanceof Error && err.name === 'ListenError' ? 2 : 1);
});

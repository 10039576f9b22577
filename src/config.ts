import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as z from 'zod';

/** The only module that reads process.env or argv. Everything else receives a Config. */

export const TOOLSETS = ['stepfunctions', 'bedrock_flows', 'devops_agent', 'ona', 'triage'] as const;
export type Toolset = (typeof TOOLSETS)[number];

/** localhost, 127.0.0.0/8 and ::1, in any of its forms (0:0:0:0:0:0:0:1, [::1], ::1%lo). */
export function isLoopbackHost(name: string): boolean {
  const host = hostHeaderName(name);
  return host === 'localhost' || host === '[::1]' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * A host name or address as the Host guard compares it: lower case, an IPv6 address bracketed in
 * its canonical form and without its zone id (::1%lo is [::1]). A zone names an interface of this
 * machine, not another host; clients send it in Host (Node's http) or leave it out (curl).
 */
export function hostHeaderName(name: string): string {
  const host = name.toLowerCase().replace(/^\[|\]$/g, '');
  const address = host.replace(/%.*$/, '');
  return isIP(address) === 6 ? new URL(`http://[${address}]`).hostname : host;
}

/**
 * A value as an error shows it: quoted, cut, and with control characters escaped, so that a line
 * break in it cannot split the one line on stderr. Never pass a secret.
 */
function quoted(value: string, max = 80): string {
  return `"${escapeControls(value.length > max ? `${value.slice(0, max)}…` : value)}"`;
}

function escapeControls(text: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const boolFromString = z
  .string()
  .transform((value, ctx) => {
    const v = value.trim().toLowerCase();
    // The same words as EXECUTIONS_MCP_LOCAL takes.
    if (v === '' || v === 'false' || v === '0' || v === 'no' || v === 'off') return false;
    if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
    ctx.addIssue({ code: 'custom', message: `expected true or false, got ${quoted(value)}` });
    return z.NEVER;
  });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

// Sent in an HTTP header: a pasted key with a line break inside would fail every call, not the start.
const headerToken = optionalString.refine((v) => v === undefined || /^[\x21-\x7e]+$/.test(v), {
  message: 'must be printable ASCII with no spaces or line breaks (it is sent in an HTTP header)',
});

// Trimmed like every other setting: a pasted "https://host/api " would otherwise send every call to "/api%20/...".
const urlString = z
  .string()
  .trim()
  .refine((v) => URL.canParse(v), { message: 'must be an absolute URL such as https://host:port' });

// "localhost:4566" parses as a URL whose scheme is "localhost:": only http and https reach an endpoint.
const endpointUrl = urlString.refine((v) => !URL.canParse(v) || ['http:', 'https:'].includes(new URL(v).protocol), { message: 'must be an absolute URL with http:// or https://, such as http://localhost:4566' });

// A blank value is not 0 (z.coerce alone would turn "--port ''" into port 0).
const intFromString = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(1, { message: 'expected a whole number, got an empty value' })
    // Decimal digits only: Number() would also take 0x50 or 1e3.
    .regex(/^\d+$/, { message: 'expected a whole number in decimal digits' })
    .pipe(z.coerce.number<string>().int().min(min).max(max));

const DEFAULT_EXAMPLES_DIR = fileURLToPath(new URL('../examples', import.meta.url));

/** Raw inputs: flags win over env. Every value is a string here and validated below. */
const RawConfig = z.object({
  // Trimmed and case-folded, as the log level and the booleans are.
  transport: z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(['stdio', 'http']))
    .default('stdio'),
  // Host names are case-insensitive (LOCALHOST is loopback); an IPv6 zone id (fe80::1%eth0) names an
  // interface, which Linux matches case-sensitively. An IPv6 address may come bracketed, as in a URL
  // ([::1]); listen() takes it bare.
  host: z
    .string()
    .transform((v) => v.trim().replace(/^[^%]*/, (address) => address.toLowerCase()))
    .pipe(z.string().regex(/^[^\s\x00-\x1f\x7f]+$/, { message: 'expected a host name or an IP address, such as 127.0.0.1 or 0.0.0.0' }))
    .default('127.0.0.1')
    .transform((host) => (/^\[[^\]]*\]$/.test(host) ? host.slice(1, -1) : host)),
  port: intFromString(0, 65535).default(3000),
  httpToken: headerToken,
  allowedHosts: optionalString,
  allowWrites: boolFromString.default(false),
  toolsets: optionalString,
  local: optionalString,
  localPort: intFromString(0, 65535).optional(),
  // Decimal only, as the whole-number settings: Number() would also take 0x10.
  localTimeScale: z
    .string()
    .trim()
    .regex(/^(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i, { message: 'expected a decimal number such as 0.001' })
    .pipe(z.coerce.number<string>().gt(0).max(1000))
    .optional(),
  maxPayloadChars: intFromString(100, 100_000).default(2000),
  responseBudgetChars: intFromString(16_000, 1_000_000).default(60_000),
  writesPerMinute: intFromString(0, 10_000).optional(),
  callDeadlineMs: intFromString(1000, 600_000).default(25_000),
  cursorSecret: optionalString,
  logLevel: z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(['debug', 'info', 'warn', 'error']))
    .default('info'),
  awsRegion: optionalString,
  awsProfile: optionalString,
  sfnEndpoint: endpointUrl.optional(),
  awsEndpoint: endpointUrl.optional(),
  bedrockEndpoint: endpointUrl.optional(),
  devopsAgentEndpoint: endpointUrl.optional(),
  onaApiKey: headerToken,
  onaBaseUrl: urlString.default('https://app.gitpod.io/api'),
});

export interface Config {
  transport: 'stdio' | 'http';
  http: { host: string; port: number; token: string | undefined; allowedHosts: string[] };
  allowWrites: boolean;
  /** Explicitly requested toolsets, or undefined for "the backends that are configured". */
  toolsets: Toolset[] | undefined;
  local: { dir: string; port: number | undefined; timeScale: number } | undefined;
  limits: { maxPayloadChars: number; responseBudgetChars: number; callDeadlineMs: number; writesPerMinute: number };
  cursorSecret: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  aws: {
    region: string | undefined;
    profile: string | undefined;
    endpoints: { sfn?: string; bedrockAgentRuntime?: string; devopsAgent?: string };
    /**
     * For the start-up log: AWS_ENDPOINT_URL, which the SDK itself uses for every service without an
     * endpoint of its own, and whether AWS_IGNORE_CONFIGURED_ENDPOINT_URLS has it (and the config
     * file's endpoint_url) ignored.
     */
    sdkEndpoint: string | undefined;
    configuredEndpointsIgnored: boolean;
    /** Static credentials from the environment, kept only so they are redacted if a reply echoes them. */
    secrets: string[];
  };
  ona: { apiKey: string | undefined; baseUrl: string };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const FLAGS = {
  transport: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'http-token': { type: 'string' },
  'allowed-hosts': { type: 'string' },
  'allow-writes': { type: 'boolean' },
  toolsets: { type: 'string' },
  'local-port': { type: 'string' },
  'local-time-scale': { type: 'string' },
  'max-payload-chars': { type: 'string' },
  'response-budget-chars': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/**
 * --help or --version anywhere among the flags, whatever else is wrong with them (a repeated or
 * unknown flag, a missing value): they win, as in most CLIs. Read leniently, with the flags' own
 * types, so a value (--host=-h) is not taken for one; --local's optional directory reads as a word.
 */
function askedFor(argv: string[]): 'help' | 'version' | undefined {
  const { values } = parseArgs({ args: argv, strict: false, allowPositionals: true, options: { ...FLAGS, local: { type: 'boolean' } } });
  if (values.help === true) return 'help';
  if (values.version === true) return 'version';
  return undefined;
}

/** Flags; `--local` takes an optional directory, which parseArgs cannot express, so it is split off first. */
function readFlags(argv: string[]): Record<string, string | undefined> {
  const args = [...argv];
  let local: string | undefined;
  const isLocal = (a: string) => a === '--local' || a.startsWith('--local=');
  if (args.filter(isLocal).length > 1) throw new ConfigError('invalid --local: given more than once');
  const localAt = args.findIndex(isLocal);
  if (localAt >= 0) {
    const flag = args[localAt] ?? '';
    if (flag.startsWith('--local=')) {
      local = flag.slice('--local='.length);
      args.splice(localAt, 1);
    } else {
      const next = args[localAt + 1];
      const takesDir = next !== undefined && !next.startsWith('-');
      // "--local ''" is an empty value (an unset variable, say), not the flag alone.
      local = takesDir ? next : 'true';
      args.splice(localAt, takesDir ? 2 : 1);
    }
  }
  // parseArgs booleans take no value, yet "--allow-writes=false" must turn writes off (over the env), not fail.
  let allowWrites: string | undefined;
  const writesFlags = args.filter((a) => a === '--allow-writes' || a.startsWith('--allow-writes='));
  if (writesFlags.length > 1) throw new ConfigError('invalid --allow-writes: given more than once');
  const writesAt = args.findIndex((a) => a.startsWith('--allow-writes='));
  if (writesAt >= 0) {
    allowWrites = (args[writesAt] ?? '').slice('--allow-writes='.length);
    args.splice(writesAt, 1);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals: false, tokens: true, options: FLAGS });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw positionalRefused(argv);
    throw err;
  }
  const { values, tokens } = parsed;
  // parseArgs keeps the last of a repeated flag: in a client config that is usually a mistake (two
  // tokens, two ports), so it is refused, as --local and --allow-writes are.
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) throw new ConfigError(`invalid --${token.name}: given more than once`);
    seen.add(token.name);
  }
  // An empty value (a script's "$TOKEN" with TOKEN unset) would otherwise count as not given, and the
  // environment's value, or none (no token at all), would apply unnoticed.
  const given: Record<string, unknown> = { ...values, local, 'allow-writes': allowWrites };
  for (const [name, value] of Object.entries(given)) {
    if (typeof value === 'string' && value.trim() === '') throw new ConfigError(`invalid --${name}: an empty value (give one, or leave the flag out)`);
  }
  return {
    transport: values.transport,
    host: values.host,
    port: values.port,
    httpToken: values['http-token'],
    allowedHosts: values['allowed-hosts'],
    allowWrites: values['allow-writes'] ? 'true' : allowWrites,
    toolsets: values.toolsets,
    local,
    localPort: values['local-port'],
    localTimeScale: values['local-time-scale'],
    maxPayloadChars: values['max-payload-chars'],
    responseBudgetChars: values['response-budget-chars'],
  };
}

/**
 * A word that is no flag's value: its value is not shown, since it may be a secret pasted in the
 * wrong place (a token without its --http-token). Its position and length tell the user which one.
 */
function positionalRefused(argv: string[]): ConfigError {
  const { tokens } = parseArgs({ args: argv, strict: false, allowPositionals: true, tokens: true, options: { ...FLAGS, local: { type: 'boolean' } } });
  // --local's directory reads as a word here: it is split off before the strict reading (as readFlags does).
  const localAt = argv.indexOf('--local');
  const localDirAt = localAt >= 0 && !(argv[localAt + 1] ?? '-').startsWith('-') ? localAt + 1 : -1;
  const word = tokens.find((t) => t.kind === 'positional' && t.index !== localDirAt);
  const chars = word?.kind === 'positional' ? [...word.value].length : 0;
  const which = word?.kind === 'positional' ? `argument ${word.index + 1} (${chars} character${chars === 1 ? '' : 's'}, not shown) ` : 'an argument ';
  return new ConfigError(
    `positional arguments are not accepted: ${which}is not a flag or a flag's value. Next: give settings as flags, --name value or --name=value (executions-mcp --help lists them), or in EXECUTIONS_MCP_* variables`,
  );
}

function readEnv(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const pick = (...names: string[]) => {
    for (const name of names) {
      const value = env[name];
      if (value !== undefined && value.trim() !== '') return value;
    }
    return undefined;
  };
  return {
    transport: pick('EXECUTIONS_MCP_TRANSPORT'),
    host: pick('EXECUTIONS_MCP_HOST'),
    port: pick('EXECUTIONS_MCP_PORT'),
    httpToken: pick('EXECUTIONS_MCP_HTTP_TOKEN'),
    allowedHosts: pick('EXECUTIONS_MCP_ALLOWED_HOSTS'),
    allowWrites: pick('EXECUTIONS_MCP_ALLOW_WRITES'),
    toolsets: pick('EXECUTIONS_MCP_TOOLSETS'),
    local: pick('EXECUTIONS_MCP_LOCAL'),
    localPort: pick('EXECUTIONS_MCP_LOCAL_PORT'),
    localTimeScale: pick('EXECUTIONS_MCP_LOCAL_TIME_SCALE'),
    maxPayloadChars: pick('EXECUTIONS_MCP_MAX_PAYLOAD_CHARS'),
    responseBudgetChars: pick('EXECUTIONS_MCP_RESPONSE_BUDGET_CHARS'),
    writesPerMinute: pick('EXECUTIONS_MCP_WRITES_PER_MINUTE'),
    callDeadlineMs: pick('EXECUTIONS_MCP_CALL_DEADLINE_MS'),
    cursorSecret: pick('EXECUTIONS_MCP_CURSOR_SECRET'),
    logLevel: pick('EXECUTIONS_MCP_LOG_LEVEL'),
    awsRegion: pick('AWS_REGION', 'AWS_DEFAULT_REGION'),
    awsProfile: pick('AWS_PROFILE'),
    sfnEndpoint: pick('AWS_ENDPOINT_URL_SFN'),
    // As the SDK reads it: only the exact word "true" turns it off.
    awsEndpoint: env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true' ? undefined : pick('AWS_ENDPOINT_URL'),
    bedrockEndpoint: pick('AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME'),
    devopsAgentEndpoint: pick('AWS_ENDPOINT_URL_DEVOPS_AGENT'),
    onaApiKey: pick('ONA_API_KEY', 'GITPOD_API_KEY'),
    onaBaseUrl: pick('ONA_BASE_URL', 'GITPOD_BASE_URL'),
  };
}

function parseToolsets(raw: string | undefined): Toolset[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) throw new ConfigError(`--toolsets / EXECUTIONS_MCP_TOOLSETS names no toolset; valid toolsets: ${TOOLSETS.join(', ')}`);
  const unknown = names.filter((n) => !(TOOLSETS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new ConfigError(`unknown toolset ${unknown.map((n) => quoted(n)).join(', ')}; valid toolsets: ${TOOLSETS.join(', ')}`);
  }
  return [...new Set(names)] as Toolset[];
}

/** Keys that guard or sign (the HTTP token, the cursor secret): long enough not to be guessed. */
const MIN_KEY_CHARS = 16;
/** The shortest secret that redaction hides in results too (log.ts: 8 characters). */
const MIN_ONA_KEY_CHARS = 8;

export type CliRequest = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: Config };

/** argv + env → Config. Throws ConfigError with one clear line on any invalid setting. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): CliRequest {
  const asked = askedFor(argv);
  if (asked) return { kind: asked };
  let flags: Record<string, string | undefined>;
  try {
    flags = readFlags(argv);
  } catch (err) {
    // parseArgs messages can span lines, and quote a flag as given; the contract is one line on stderr.
    throw new ConfigError(escapeControls((err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ')));
  }
  const fromEnv = readEnv(env);
  const merged: Record<string, string | undefined> = { ...fromEnv };
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) merged[key] = value;

  const parsed = RawConfig.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? 'config';
    throw new ConfigError(`invalid ${settingName(field)}: ${issue?.message ?? 'invalid value'}`);
  }
  const raw = parsed.data;
  checkRegion(raw.awsRegion, env);
  const localRaw = raw.local;
  const localOff = localRaw === undefined || ['false', '0', 'no', 'off'].includes(localRaw.toLowerCase());
  const localDir = localOff ? undefined : ['true', '1', 'yes', 'on'].includes(localRaw.toLowerCase()) ? DEFAULT_EXAMPLES_DIR : localRaw;

  const config: Config = {
    transport: raw.transport,
    http: {
      host: raw.host,
      port: raw.port,
      token: raw.httpToken,
      allowedHosts: raw.allowedHosts ? raw.allowedHosts.split(',').map((h) => h.trim()).filter(Boolean).map(allowedHostName) : [],
    },
    allowWrites: raw.allowWrites,
    toolsets: parseToolsets(raw.toolsets),
    local: localDir === undefined ? undefined : { dir: localDir, port: raw.localPort, timeScale: raw.localTimeScale ?? 1 },
    limits: {
      maxPayloadChars: raw.maxPayloadChars,
      responseBudgetChars: raw.responseBudgetChars,
      // The embedded engine runs on this machine only: demos and tests start many executions.
      writesPerMinute: raw.writesPerMinute ?? (localDir === undefined ? 30 : 600),
      callDeadlineMs: raw.callDeadlineMs,
    },
    cursorSecret: raw.cursorSecret,
    logLevel: raw.logLevel,
    aws: {
      region: raw.awsRegion,
      profile: raw.awsProfile,
      endpoints: { sfn: raw.sfnEndpoint, bedrockAgentRuntime: raw.bedrockEndpoint, devopsAgent: raw.devopsAgentEndpoint },
      sdkEndpoint: raw.awsEndpoint,
      configuredEndpointsIgnored: env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true',
      secrets: [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN].filter((s): s is string => typeof s === 'string' && s !== ''),
    },
    ona: { apiKey: raw.onaApiKey, baseUrl: raw.onaBaseUrl.replace(/\/+$/, '') },
  };
  if (config.transport === 'http' && !isLoopbackHost(config.http.host) && !config.http.token) {
    throw new ConfigError(
      `refusing to listen on non-loopback host ${config.http.host} without a bearer token: set --http-token or EXECUTIONS_MCP_HTTP_TOKEN`,
    );
  }
  const onaUrl = new URL(config.ona.baseUrl);
  // The API key travels in a header: never over plain HTTP except to this machine (fakes, tunnels).
  if (onaUrl.protocol !== 'https:' && !(onaUrl.protocol === 'http:' && isLoopbackHost(onaUrl.hostname))) {
    throw new ConfigError(
      `invalid ONA_BASE_URL / GITPOD_BASE_URL: ${onaUrl.protocol}//${onaUrl.host} is not https; only https, or http to a loopback address (127.0.0.1, ::1, localhost), is accepted`,
    );
  }
  // Method paths are appended to it: a query or fragment would swallow them (and may hold a secret).
  if (onaUrl.search !== '' || onaUrl.hash !== '' || onaUrl.username !== '' || onaUrl.password !== '') {
    throw new ConfigError(
      `invalid ONA_BASE_URL / GITPOD_BASE_URL: ${onaUrl.protocol}//${onaUrl.host}${onaUrl.pathname} must be a plain base URL, with no query, fragment or credentials (the API key goes in ONA_API_KEY)`,
    );
  }
  // It signs continuation tokens: a short key could be guessed and tokens forged.
  if (config.cursorSecret !== undefined && config.cursorSecret.length < MIN_KEY_CHARS) {
    throw new ConfigError(`invalid EXECUTIONS_MCP_CURSOR_SECRET: it has ${config.cursorSecret.length} characters; use at least ${MIN_KEY_CHARS} (e.g. openssl rand -hex 16)`);
  }
  // The only lock on a server others can reach, and the continuation-token key when no cursor secret is set.
  if (config.http.token !== undefined && config.http.token.length < MIN_KEY_CHARS) {
    throw new ConfigError(`invalid --http-token / EXECUTIONS_MCP_HTTP_TOKEN: it has ${config.http.token.length} characters; use at least ${MIN_KEY_CHARS} (e.g. openssl rand -hex 32)`);
  }
  // Redaction finds a secret by its value: a shorter one could not be told from ordinary words, and
  // would show in results (see log.ts). Real Ona personal access tokens are far longer.
  if (config.ona.apiKey !== undefined && config.ona.apiKey.length < MIN_ONA_KEY_CHARS) {
    throw new ConfigError(`invalid ONA_API_KEY / GITPOD_API_KEY: it has ${config.ona.apiKey.length} characters, too few for an Ona personal access token (at least ${MIN_ONA_KEY_CHARS})`);
  }
  // The engine serves only Step Functions: without that toolset it would load (and run a handlers.mjs,
  // whose failure stops the server) for tools that are not there.
  if (config.local && config.toolsets && !config.toolsets.includes('stepfunctions')) {
    throw new ConfigError(
      `invalid --local / EXECUTIONS_MCP_LOCAL: the embedded engine serves the stepfunctions toolset, which --toolsets / EXECUTIONS_MCP_TOOLSETS (${config.toolsets.join(',')}) leaves out; add stepfunctions, or drop --local`,
    );
  }
  if (config.local && !isDirectory(config.local.dir)) {
    throw new ConfigError(`invalid --local / EXECUTIONS_MCP_LOCAL: ${quoted(config.local.dir, 200)} is not a directory of *.asl.json state machines`);
  }
  if (raw.localPort !== undefined && config.local === undefined) {
    throw new ConfigError('invalid --local-port: it needs --local');
  }
  if (raw.localTimeScale !== undefined && config.local === undefined) {
    throw new ConfigError('invalid --local-time-scale: it needs --local');
  }
  if (config.transport === 'http' && raw.localPort !== undefined && raw.localPort !== 0 && raw.localPort === config.http.port) {
    throw new ConfigError(`invalid --local-port: ${raw.localPort} is also the MCP HTTP --port; choose another port for the local engine`);
  }
  // A history event carries up to four payloads, each in structuredContent and in the text: one
  // event must always fit an answer, or the budget would not be a cap.
  if (config.limits.maxPayloadChars * 8 > config.limits.responseBudgetChars) {
    throw new ConfigError(
      `invalid --max-payload-chars ${config.limits.maxPayloadChars}: it must be at most 1/8 of --response-budget-chars (${config.limits.responseBudgetChars}), so one item always fits an answer`,
    );
  }
  return { kind: 'run', config };
}

/**
 * AWS region names: us-east-1, ap-southeast-7, us-gov-west-1, cn-north-1, us-isob-east-1,
 * eu-isoe-west-1, eusc-de-east-1. The SDK takes any host label ("EU", signed as such) and fails
 * every call on anything else ("us east 1"), so a mistyped region stops the server at start.
 */
const REGION_NAME = /^[a-z]{2,4}(-[a-z]+){1,3}-\d{1,2}$/;

function checkRegion(region: string | undefined, env: NodeJS.ProcessEnv): void {
  if (region === undefined) return;
  const from = (env.AWS_REGION ?? '').trim() !== '' ? 'AWS_REGION' : 'AWS_DEFAULT_REGION';
  const shown = JSON.stringify(region.slice(0, 60));
  // The SDK's FIPS pseudo-regions (fips-us-east-1 has a region's shape): links and region checks need the real one.
  const fips = /^fips-(.+)$|^(.+)-fips$/.exec(region);
  if (fips) {
    const real = fips[1] ?? fips[2] ?? '';
    throw new ConfigError(`invalid ${from}: ${shown} is a FIPS pseudo-region; set ${from}=${REGION_NAME.test(real) ? real : 'REGION'} and AWS_USE_FIPS_ENDPOINT=true instead`);
  }
  if (!REGION_NAME.test(region)) {
    throw new ConfigError(`invalid ${from}: ${shown} is not an AWS region name such as us-east-1, eu-central-2 or us-gov-west-1`);
  }
}

/**
 * The AWS variables the SDK also reads itself (the profile for credentials and endpoint_url, the
 * region when the server passes none), written back as the server read them: trimmed, and a blank
 * one removed, which the server treats as unset but the SDK would take as a profile or region "".
 */
const SDK_READ_VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ENDPOINT_URL'] as const;

export function normalizeAwsEnv(env: NodeJS.ProcessEnv): void {
  for (const name of SDK_READ_VARIABLES) {
    const value = env[name]?.trim();
    if (value === undefined) continue;
    if (value === '') delete env[name];
    else env[name] = value;
  }
}

/**
 * An --allowed-hosts entry as the Host/Origin guard compares it: a lower-case host name, or an IP
 * address (IPv6 in brackets), without scheme, port or trailing dot, so "Mcp.Lan", "https://mcp.lan:8443"
 * and "fe80::1" all mean what they say.
 */
function allowedHostName(entry: string): string {
  let host = entry.toLowerCase();
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(host)) host = URL.canParse(host) ? new URL(host).hostname : host;
  else if (host.startsWith('[')) host = host.slice(0, host.indexOf(']') + 1) || host;
  else if (isIP(host) !== 6) host = host.replace(/:\d+$/, '');
  host = host.replace(/\.$/, '');
  const bare = host.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // As the guard sees a Host header: fe80:0:0:0:0:0:0:1 is [fe80::1], ::ffff:10.0.0.1 is [::ffff:a00:1], fe80::1%eth0 is [fe80::1].
  if (isIP(bare) === 6) host = hostHeaderName(bare);
  if (!(host.startsWith('[') ? isIP(bare) === 6 : /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host))) {
    throw new ConfigError(`invalid --allowed-hosts / EXECUTIONS_MCP_ALLOWED_HOSTS entry ${quoted(entry)}: expected a host name or an IP address, such as mcp.example.lan or 10.1.2.3`);
  }
  return host;
}

const SETTING_NAMES: Record<string, string> = {
  transport: '--transport / EXECUTIONS_MCP_TRANSPORT (stdio or http)',
  host: '--host / EXECUTIONS_MCP_HOST',
  port: '--port / EXECUTIONS_MCP_PORT',
  allowWrites: '--allow-writes / EXECUTIONS_MCP_ALLOW_WRITES',
  localPort: '--local-port / EXECUTIONS_MCP_LOCAL_PORT',
  localTimeScale: '--local-time-scale / EXECUTIONS_MCP_LOCAL_TIME_SCALE',
  maxPayloadChars: '--max-payload-chars / EXECUTIONS_MCP_MAX_PAYLOAD_CHARS',
  responseBudgetChars: '--response-budget-chars / EXECUTIONS_MCP_RESPONSE_BUDGET_CHARS',
  writesPerMinute: 'EXECUTIONS_MCP_WRITES_PER_MINUTE',
  callDeadlineMs: 'EXECUTIONS_MCP_CALL_DEADLINE_MS',
  logLevel: 'EXECUTIONS_MCP_LOG_LEVEL (debug, info, warn or error)',
  sfnEndpoint: 'AWS_ENDPOINT_URL_SFN',
  awsEndpoint: 'AWS_ENDPOINT_URL',
  bedrockEndpoint: 'AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME',
  devopsAgentEndpoint: 'AWS_ENDPOINT_URL_DEVOPS_AGENT',
  onaBaseUrl: 'ONA_BASE_URL / GITPOD_BASE_URL',
  onaApiKey: 'ONA_API_KEY / GITPOD_API_KEY',
  httpToken: '--http-token / EXECUTIONS_MCP_HTTP_TOKEN',
};

function settingName(field: string): string {
  return SETTING_NAMES[field] ?? field;
}

/** Which toolsets are active: the explicit list, or every backend that has configuration. */
/** Toolset names the architecture reserves whose backends are not built yet. */
export const RESERVED_TOOLSETS: readonly Toolset[] = ['bedrock_flows', 'devops_agent', 'triage'];

export function activeToolsets(config: Config): Toolset[] {
  if (config.toolsets) return config.toolsets;
  const sets: Toolset[] = ['stepfunctions'];
  if (config.ona.apiKey) sets.push('ona');
  return sets;
}

/** Secrets, for redaction in anything that leaves the process. */
export function secretsOf(config: Config): string[] {
  const endpoints = [config.ona.baseUrl, config.aws.sdkEndpoint, ...Object.values(config.aws.endpoints)];
  return [config.http.token, config.ona.apiKey, config.cursorSecret, ...config.aws.secrets, ...endpoints.flatMap(urlSecrets)].filter(
    (s): s is string => typeof s === 'string' && s.length >= 4,
  );
}

const SECRET_PARAM = /token|sig|key|secret|credential|password|auth/i;

/** What an endpoint URL may carry that must not be logged: a password, and query values (presigned tokens). */
function urlSecrets(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const parsed = new URL(url);
    const secretParams = [...parsed.searchParams].filter(([name]) => SECRET_PARAM.test(name)).map(([, value]) => value);
    const values = [parsed.password, ...secretParams];
    return [...values, ...values.map((v) => encodeURIComponent(v))];
  } catch {
    return [];
  }
}

/**
 * An endpoint URL as the start-up log shows it: its password and secret query values masked by
 * position, whatever their length (redaction by value spares secrets under 4 characters).
 */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    for (const [name] of parsed.searchParams) if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, 'redacted');
    return parsed.href;
  } catch {
    return '(not a URL)';
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

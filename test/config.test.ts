import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, activeToolsets, isLoopbackHost, loadConfig, secretsOf, type Config } from '../src/config.js';

/** argv + env → Config: defaults, flags over env, the --local forms, and one-line errors. */

function load(argv: string[], env: Record<string, string> = {}): Config {
  const request = loadConfig(argv, env);
  if (request.kind !== 'run') throw new Error(`expected run, got ${request.kind}`);
  return request.config;
}

function failure(argv: string[], env: Record<string, string> = {}): string {
  try {
    loadConfig(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`expected a ConfigError for ${argv.join(' ')} ${JSON.stringify(env)}`);
}

describe('defaults', () => {
  it('stdio, loopback HTTP settings, read-only, no local engine, documented limits', () => {
    const c = load([]);
    expect(c).toMatchObject({
      transport: 'stdio',
      http: { host: '127.0.0.1', port: 3000, token: undefined, allowedHosts: [] },
      allowWrites: false,
      toolsets: undefined,
      local: undefined,
      limits: { maxPayloadChars: 2000, responseBudgetChars: 60_000, callDeadlineMs: 25_000, writesPerMinute: 30 },
      aws: { region: undefined, profile: undefined, endpoints: { sfn: undefined } },
      ona: { apiKey: undefined, baseUrl: 'https://app.gitpod.io/api' },
    });
    expect(activeToolsets(c)).toEqual(['stepfunctions']);
  });

  it('the embedded engine allows more writes per minute (it only runs on this machine)', () => {
    expect(load(['--local']).limits.writesPerMinute).toBe(600);
    expect(load(['--local'], { EXECUTIONS_MCP_WRITES_PER_MINUTE: '0' }).limits.writesPerMinute).toBe(0);
  });

  it('help and version short-circuit before anything is validated', () => {
    expect(loadConfig(['--help'], { EXECUTIONS_MCP_PORT: 'nope' })).toEqual({ kind: 'help' });
    expect(loadConfig(['-v'], {})).toEqual({ kind: 'version' });
  });
});

describe('flags and env', () => {
  /** Every variable of README's configuration table, each set to a value other than its default. */
  const documented = {
    EXECUTIONS_MCP_TRANSPORT: 'http',
    EXECUTIONS_MCP_HOST: 'localhost',
    EXECUTIONS_MCP_PORT: '4000',
    EXECUTIONS_MCP_HTTP_TOKEN: 'tok-0123456789abcdef',
    EXECUTIONS_MCP_ALLOWED_HOSTS: 'mcp.internal, proxy.example.com',
    EXECUTIONS_MCP_ALLOW_WRITES: 'true',
    EXECUTIONS_MCP_TOOLSETS: 'stepfunctions, ona',
    EXECUTIONS_MCP_LOCAL: 'true',
    EXECUTIONS_MCP_LOCAL_PORT: '4100',
    EXECUTIONS_MCP_LOCAL_TIME_SCALE: '0.01',
    EXECUTIONS_MCP_MAX_PAYLOAD_CHARS: '500',
    EXECUTIONS_MCP_RESPONSE_BUDGET_CHARS: '16000',
    EXECUTIONS_MCP_WRITES_PER_MINUTE: '5',
    EXECUTIONS_MCP_CALL_DEADLINE_MS: '5000',
    EXECUTIONS_MCP_CURSOR_SECRET: 'cursor-secret-0123456789',
    EXECUTIONS_MCP_LOG_LEVEL: 'debug',
    AWS_REGION: 'eu-west-1',
    AWS_PROFILE: 'dev',
    AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:9999',
    AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME: 'http://127.0.0.1:9997',
    AWS_ENDPOINT_URL_DEVOPS_AGENT: 'http://127.0.0.1:9996',
    ONA_API_KEY: 'ona-key-0123',
    ONA_BASE_URL: 'http://127.0.0.1:9998/api',
  };
  /** Second names of a variable ("ONA_API_KEY or GITPOD_API_KEY"): checked in the alias test below. */
  const aliases = ['AWS_DEFAULT_REGION', 'GITPOD_API_KEY', 'GITPOD_BASE_URL'];

  it('the test below sets every variable of README\'s configuration table', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'));
    const table = section.slice(0, section.indexOf('\n## ')).split('\n').filter((l) => l.startsWith('|'));
    const names = new Set(table.flatMap((l) => [...(l.split('|')[2] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1] as string)));
    expect(names.size).toBeGreaterThan(15);
    for (const name of names) expect([...Object.keys(documented), ...aliases], name).toContain(name);
  });

  it('reads every documented env variable', () => {
    const c = load([], documented);
    expect(c).toMatchObject({
      transport: 'http',
      http: { host: 'localhost', port: 4000, token: 'tok-0123456789abcdef', allowedHosts: ['mcp.internal', 'proxy.example.com'] },
      allowWrites: true,
      toolsets: ['stepfunctions', 'ona'],
      local: { dir: expect.stringMatching(/examples$/), port: 4100, timeScale: 0.01 },
      limits: { maxPayloadChars: 500, responseBudgetChars: 16000, callDeadlineMs: 5000, writesPerMinute: 5 },
      cursorSecret: 'cursor-secret-0123456789',
      logLevel: 'debug',
      aws: {
        region: 'eu-west-1',
        profile: 'dev',
        endpoints: { sfn: 'http://127.0.0.1:9999', bedrockAgentRuntime: 'http://127.0.0.1:9997', devopsAgent: 'http://127.0.0.1:9996' },
      },
      ona: { apiKey: 'ona-key-0123', baseUrl: 'http://127.0.0.1:9998/api' },
    });
    expect(secretsOf(c)).toEqual(expect.arrayContaining(['tok-0123456789abcdef', 'ona-key-0123', 'cursor-secret-0123456789']));
    // Endpoint URLs may carry a password or a presigned token: both are redacted wherever logged.
    const withUrls = load([], { AWS_ENDPOINT_URL_SFN: 'http://bob:Pa55wordXYZ@127.0.0.1:9/?X-Amz-Security-Token=tok%2Fabc' });
    expect(secretsOf(withUrls)).toEqual(expect.arrayContaining(['Pa55wordXYZ', 'tok/abc', 'tok%2Fabc']));
    // Other query values are configuration, not secrets: redacting them would mask regions in every ARN.
    const withRegion = load([], { AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:9/?region=us-east-1' });
    expect(secretsOf(withRegion)).not.toContain('us-east-1');
  });

  it('flags win over env', () => {
    const env = { EXECUTIONS_MCP_TRANSPORT: 'http', EXECUTIONS_MCP_PORT: '4000', EXECUTIONS_MCP_HOST: 'localhost', EXECUTIONS_MCP_HTTP_TOKEN: 'from-env-0123456789' };
    const c = load(['--transport', 'stdio', '--port', '5000', '--host', '127.0.0.2', '--http-token', 'from-flag-0123456789', '--max-payload-chars=300'], env);
    expect(c).toMatchObject({ transport: 'stdio', http: { host: '127.0.0.2', port: 5000, token: 'from-flag-0123456789' }, limits: { maxPayloadChars: 300 } });
    expect(load(['--toolsets', 'ona'], { EXECUTIONS_MCP_TOOLSETS: 'stepfunctions' }).toolsets).toEqual(['ona']);
  });

  it('a bracketed IPv6 --host, as in a URL, is taken bare (listen() takes no brackets) and is still loopback', () => {
    expect(load(['--transport', 'http', '--host', '[::1]']).http.host).toBe('::1');
    expect(() => load(['--transport', 'http', '--host', '[::]'])).toThrow(/refusing to listen on non-loopback host :: without a bearer token/);
  });

  // The transport was refused in any case but lower, or with a space around it, unlike every other word setting.
  it.each([
    [{ EXECUTIONS_MCP_TRANSPORT: ' http ' }, 'http'],
    [{ EXECUTIONS_MCP_TRANSPORT: 'HTTP' }, 'http'],
    [{ EXECUTIONS_MCP_TRANSPORT: 'Stdio' }, 'stdio'],
  ])('takes the transport trimmed, in any case: %j', (env, expected) => {
    expect(load([], env).transport).toBe(expected);
    expect(load(['--transport', env.EXECUTIONS_MCP_TRANSPORT]).transport).toBe(expected);
  });

  // "127.0.0.1 " was called a non-loopback host, and so was LOCALHOST.
  it('takes the host trimmed and in any case: a loopback name stays loopback', () => {
    expect(load([], { EXECUTIONS_MCP_TRANSPORT: 'http', EXECUTIONS_MCP_HOST: '127.0.0.1 ' }).http.host).toBe('127.0.0.1');
    expect(load(['--transport', 'http', '--host', 'LOCALHOST']).http.host).toBe('localhost');
    expect(load(['--transport', 'http', '--host', ' [::1] ']).http.host).toBe('::1');
    expect(failure(['--transport', 'http', '--host', 'Example.COM'])).toMatch(/non-loopback host example\.com without/);
  });

  // A zone id is an interface name, which Linux matches case-sensitively: eth0 and ETH0 may both exist.
  it('keeps the case of an IPv6 zone id, folding only the address', () => {
    expect(load(['--host', 'fe80::1%eth0']).http.host).toBe('fe80::1%eth0');
    expect(load(['--host', 'FE80::1%ETH0']).http.host).toBe('fe80::1%ETH0');
    expect(load([], { EXECUTIONS_MCP_HOST: ' [FE80::A%Wlan0] ' }).http.host).toBe('fe80::a%Wlan0');
  });

  // ::1%lo (IPv6 loopback with its interface) was called non-loopback and asked for a token.
  it('an IPv6 loopback with a zone id, or in its long form, is loopback: no token needed', () => {
    expect(load(['--transport', 'http', '--host', '::1%lo']).http).toMatchObject({ host: '::1%lo', token: undefined });
    expect(load(['--transport', 'http', '--host', '[::1%lo]']).http.host).toBe('::1%lo');
    expect(load(['--transport', 'http', '--host', '0:0:0:0:0:0:0:1']).http.token).toBeUndefined();
    expect(failure(['--transport', 'http', '--host', 'fe80::1%lo'])).toMatch(/non-loopback host fe80::1%lo without/);
  });

  it('takes a log level in any case, and decimal time scales', () => {
    expect(load([], { EXECUTIONS_MCP_LOG_LEVEL: ' WARN ' }).logLevel).toBe('warn');
    expect(load(['--local', '--local-time-scale', '.5']).local?.timeScale).toBe(0.5);
    expect(load(['--local', '--local-time-scale', '1e-3']).local?.timeScale).toBe(0.001);
    expect(load(['--local', '--local-time-scale', '1e+3']).local?.timeScale).toBe(1000);
  });

  it('empty env values count as unset; the first of two alias variables wins', () => {
    expect(load([], { EXECUTIONS_MCP_PORT: '  ', AWS_REGION: '' }).http.port).toBe(3000);
    expect(load([], { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-2' }).aws.region).toBe('eu-west-1');
    expect(load([], { AWS_DEFAULT_REGION: 'us-east-2' }).aws.region).toBe('us-east-2');
    expect(load([], { ONA_API_KEY: 'ona-key-a', GITPOD_API_KEY: 'ona-key-b' }).ona.apiKey).toBe('ona-key-a');
    expect(load([], { GITPOD_API_KEY: 'ona-key-b' }).ona.apiKey).toBe('ona-key-b');
    expect(load([], { ONA_BASE_URL: 'http://127.0.0.1:1/a', GITPOD_BASE_URL: 'http://127.0.0.1:2/b' }).ona.baseUrl).toBe('http://127.0.0.1:1/a');
    expect(load([], { GITPOD_BASE_URL: 'http://127.0.0.1:2/b' }).ona.baseUrl).toBe('http://127.0.0.1:2/b');
  });

  it.each([
    ['true', true], ['TRUE', true], ['1', true], ['yes', true], ['on', true],
    ['false', false], ['0', false], ['no', false], ['off', false],
  ])('EXECUTIONS_MCP_ALLOW_WRITES=%s → %s', (value, expected) => {
    expect(load([], { EXECUTIONS_MCP_ALLOW_WRITES: value }).allowWrites).toBe(expected);
  });

  it('--allow-writes turns writes on', () => {
    expect(load(['--allow-writes']).allowWrites).toBe(true);
  });

  it('--allow-writes=VALUE sets writes either way, over the environment', () => {
    expect(load(['--allow-writes=false'], { EXECUTIONS_MCP_ALLOW_WRITES: 'true' }).allowWrites).toBe(false);
    expect(load(['--allow-writes=off']).allowWrites).toBe(false);
    expect(load(['--allow-writes=true']).allowWrites).toBe(true);
    expect(() => load(['--allow-writes=maybe'])).toThrow(/invalid --allow-writes \/ EXECUTIONS_MCP_ALLOW_WRITES: expected true or false, got "maybe"/);
    expect(() => load(['--allow-writes='])).toThrow(/invalid --allow-writes: an empty value/);
    expect(() => load(['--allow-writes', '--allow-writes=false'])).toThrow(/invalid --allow-writes: given more than once/);
  });

  it('toolsets are deduplicated and an explicit list replaces the configured default', () => {
    const c = load(['--toolsets', 'stepfunctions,StepFunctions, Ona']);
    expect(c.toolsets).toEqual(['stepfunctions', 'ona']);
    expect(activeToolsets(load([], { ONA_API_KEY: 'ona-key-k' }))).toEqual(['stepfunctions', 'ona']);
  });

  it('a non-loopback host is accepted with a token, or on stdio where it is unused', () => {
    expect(load(['--transport', 'http', '--host', '0.0.0.0', '--http-token', 'secret-token-0123']).http.host).toBe('0.0.0.0');
    expect(load(['--host', '0.0.0.0']).transport).toBe('stdio');
  });
});

describe('--local [DIR]', () => {
  const examples = load(['--local']).local?.dir ?? '';

  it('without a directory uses the bundled examples', () => {
    expect(examples).toMatch(/examples$/);
    expect(load([], { EXECUTIONS_MCP_LOCAL: 'true' }).local?.dir).toBe(examples);
    expect(load([], { EXECUTIONS_MCP_LOCAL: '1' }).local?.dir).toBe(examples);
  });

  it('takes a directory as the next argument or after =', () => {
    const [a, b] = [mkdtempSync(join(tmpdir(), 'cfg-a-')), mkdtempSync(join(tmpdir(), 'cfg-b-'))];
    try {
      const relativeA = relative(process.cwd(), a);
      expect(load(['--local', relativeA]).local?.dir).toBe(relativeA);
      expect(load([`--local=${a}`]).local?.dir).toBe(a);
      expect(load([], { EXECUTIONS_MCP_LOCAL: b }).local?.dir).toBe(b);
      expect(load(['--local', a], { EXECUTIONS_MCP_LOCAL: b }).local?.dir).toBe(a);
    } finally {
      rmSync(a, { recursive: true });
      rmSync(b, { recursive: true });
    }
  });

  it('refuses a cursor secret shorter than 16 characters', () => {
    expect(failure([], { EXECUTIONS_MCP_CURSOR_SECRET: 'short' })).toMatch(/^invalid EXECUTIONS_MCP_CURSOR_SECRET: it has 5 characters; use at least 16/);
    expect(load([], { EXECUTIONS_MCP_CURSOR_SECRET: 'x'.repeat(16) }).cursorSecret).toBe('x'.repeat(16));
  });

  it('refuses a directory that does not exist, or a file, in one line', () => {
    expect(failure(['--local', '/nonexistent/machines'])).toBe('invalid --local / EXECUTIONS_MCP_LOCAL: "/nonexistent/machines" is not a directory of *.asl.json state machines');
    expect(failure([], { EXECUTIONS_MCP_LOCAL: fileURLToPath(import.meta.url) })).toMatch(/is not a directory/);
  });

  it('does not swallow the next flag', () => {
    const c = load(['--local', '--allow-writes', '--local-port', '0']);
    expect(c.local).toMatchObject({ dir: examples, port: 0, timeScale: 1 });
    expect(c.allowWrites).toBe(true);
    const d = load(['--allow-writes', '--local']);
    expect(d.local?.dir).toBe(examples);
  });

  // The engine loaded beside an Ona-only server, served --local-port, and a broken handlers.mjs stopped it.
  it('is refused when --toolsets leaves out stepfunctions, the only toolset it serves', () => {
    expect(failure(['--local', '--toolsets', 'ona'])).toBe(
      'invalid --local / EXECUTIONS_MCP_LOCAL: the embedded engine serves the stepfunctions toolset, which --toolsets / EXECUTIONS_MCP_TOOLSETS (ona) leaves out; add stepfunctions, or drop --local',
    );
    expect(failure(['--toolsets', 'triage'], { EXECUTIONS_MCP_LOCAL: 'true' })).toMatch(/^invalid --local \/ EXECUTIONS_MCP_LOCAL: .*\(triage\) leaves out/);
    expect(load(['--local', '--toolsets', 'ona,stepfunctions']).local?.dir).toBe(examples);
    expect(load(['--toolsets', 'ona'], { EXECUTIONS_MCP_LOCAL: 'false' }).local).toBeUndefined();
  });

  it('can be turned off by env', () => {
    expect(load([], { EXECUTIONS_MCP_LOCAL: 'false' }).local).toBeUndefined();
    expect(load([], { EXECUTIONS_MCP_LOCAL: 'off' }).local).toBeUndefined();
  });

  it('takes a time scale', () => {
    expect(load(['--local', '--local-time-scale', '0.001']).local?.timeScale).toBe(0.001);
  });
});

describe('secrets too short to guard, or to hide', () => {
  // A 1-character bearer token was accepted on 0.0.0.0, and signed continuation tokens as well.
  it('refuses an HTTP token shorter than 16 characters, as the cursor secret, on either transport', () => {
    expect(failure(['--transport', 'http', '--host', '0.0.0.0', '--http-token', 'x'])).toBe(
      'invalid --http-token / EXECUTIONS_MCP_HTTP_TOKEN: it has 1 characters; use at least 16 (e.g. openssl rand -hex 32)',
    );
    expect(failure([], { EXECUTIONS_MCP_HTTP_TOKEN: 'fifteen-chars-x' })).toMatch(/^invalid --http-token \/ EXECUTIONS_MCP_HTTP_TOKEN: it has 15 characters/);
    expect(load(['--http-token', 'x'.repeat(16)]).http.token).toBe('x'.repeat(16));
  });

  // Redaction skipped secrets of 1 to 3 characters, so a short Ona key showed in errors and logs.
  it('refuses an Ona API key shorter than 8 characters (redaction could not hide it)', () => {
    expect(failure([], { ONA_API_KEY: 'k3y' })).toBe('invalid ONA_API_KEY / GITPOD_API_KEY: it has 3 characters, too few for an Ona personal access token (at least 8)');
    expect(failure([], { GITPOD_API_KEY: 'seven-7' })).toMatch(/^invalid ONA_API_KEY \/ GITPOD_API_KEY: it has 7 characters/);
    expect(load([], { ONA_API_KEY: 'eight-88' }).ona.apiKey).toBe('eight-88');
  });
});

describe('invalid configuration: one clear line naming the setting', () => {
  it.each<[string[], Record<string, string>, RegExp]>([
    [['--transport', 'ftp'], {}, /invalid --transport \/ EXECUTIONS_MCP_TRANSPORT \(stdio or http\)/],
    [[], { EXECUTIONS_MCP_TRANSPORT: 'sse' }, /invalid --transport/],
    [['--transport', 'http', '--host', 'evil\nhost', '--http-token', 'x'.repeat(16)], {}, /^invalid --host \/ EXECUTIONS_MCP_HOST: expected a host name or an IP address/],
    [['--port', '70000'], {}, /invalid --port \/ EXECUTIONS_MCP_PORT: .*65535/],
    [['--port', 'abc'], {}, /invalid --port \/ EXECUTIONS_MCP_PORT/],
    [['--port', '1.5'], {}, /invalid --port/],
    [['--port', ''], {}, /invalid --port/],
    [['--port', '-1'], {}, /'--port'/],
    [['--port=-1'], {}, /invalid --port/],
    [[], { EXECUTIONS_MCP_ALLOW_WRITES: 'maybe' }, /invalid --allow-writes \/ EXECUTIONS_MCP_ALLOW_WRITES: expected true or false, got "maybe"/],
    [['--max-payload-chars', '10'], {}, /invalid --max-payload-chars/],
    [['--max-payload-chars', ''], {}, /invalid --max-payload-chars/],
    [['--response-budget-chars', '100'], {}, /invalid --response-budget-chars/],
    [['--response-budget-chars', '15999'], {}, /invalid --response-budget-chars/],
    [['--max-payload-chars', '10000', '--response-budget-chars', '60000'], {}, /invalid --max-payload-chars 10000: it must be at most 1\/8 of --response-budget-chars \(60000\)/],
    [[], { EXECUTIONS_MCP_WRITES_PER_MINUTE: '-3' }, /invalid EXECUTIONS_MCP_WRITES_PER_MINUTE/],
    [[], { EXECUTIONS_MCP_CALL_DEADLINE_MS: '10' }, /invalid EXECUTIONS_MCP_CALL_DEADLINE_MS/],
    [['--toolsets', 'stepfunctions,lambda'], {}, /unknown toolset "lambda"; valid toolsets: stepfunctions, bedrock_flows, devops_agent, ona, triage/],
    [[], { AWS_ENDPOINT_URL_SFN: 'not a url' }, /invalid AWS_ENDPOINT_URL_SFN: must be an absolute URL/],
    [[], { AWS_ENDPOINT_URL_SFN: 'localhost:4566' }, /invalid AWS_ENDPOINT_URL_SFN: must be an absolute URL with http:\/\/ or https:\/\//],
    [[], { AWS_ENDPOINT_URL_SFN: 'ftp://127.0.0.1:21' }, /invalid AWS_ENDPOINT_URL_SFN: must be an absolute URL with http/],
    [['--local', '--local-time-scale', '0x10'], {}, /invalid --local-time-scale .*expected a decimal number/],
    [['--local', '--local'], {}, /invalid --local: given more than once/],
    // The last of a repeated flag used to win silently: two tokens or two ports in a client config are a mistake.
    [['--transport', 'http', '--transport', 'stdio'], {}, /^invalid --transport: given more than once$/],
    [['--port', '3000', '--port=4000'], {}, /^invalid --port: given more than once$/],
    [['--http-token', 'a'.repeat(16), '--http-token', 'b'.repeat(16)], {}, /^invalid --http-token: given more than once$/],
    [['--toolsets', 'ona', '--toolsets', 'stepfunctions'], {}, /^invalid --toolsets: given more than once$/],
    [['--host', '127.0.0.1', '--allowed-hosts', 'a.lan', '--allowed-hosts', 'b.lan'], {}, /^invalid --allowed-hosts: given more than once$/],
    [[], { EXECUTIONS_MCP_LOG_LEVEL: 'loud' }, /invalid EXECUTIONS_MCP_LOG_LEVEL/],
    [['--transport', 'http', '--host', '0.0.0.0'], {}, /refusing to listen on non-loopback host 0\.0\.0\.0 without a bearer token: set --http-token or EXECUTIONS_MCP_HTTP_TOKEN/],
    [[], { EXECUTIONS_MCP_TRANSPORT: 'http', EXECUTIONS_MCP_HOST: '10.0.0.5' }, /refusing to listen on non-loopback host 10\.0\.0\.5/],
    [['--local-port', '9000'], {}, /--local-port: it needs --local/],
    [['--local-time-scale', '0.01'], {}, /--local-time-scale: it needs --local/],
    [['--local', '--local-time-scale', '0'], {}, /invalid --local-time-scale/],
    [['--no-such-flag'], {}, /no-such-flag/],
    [['--port'], {}, /port/],
    [['--port', '0x50'], {}, /invalid --port \/ EXECUTIONS_MCP_PORT: expected a whole number in decimal digits/],
    [[], { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1e4' }, /invalid EXECUTIONS_MCP_CALL_DEADLINE_MS: expected a whole number in decimal digits/],
    [['--toolsets', ','], {}, /--toolsets \/ EXECUTIONS_MCP_TOOLSETS names no toolset; valid toolsets: stepfunctions/],
    [['stray'], {}, /^positional arguments are not accepted: argument 1 \(5 characters, not shown\)/],
    // An empty flag (a script's unset "$VAR") is refused, never taken as absent: it would drop the
    // token, the local engine or the toolsets the environment sets.
    [['--transport', 'http', '--http-token', ''], { EXECUTIONS_MCP_HTTP_TOKEN: 'env-token-1234' }, /invalid --http-token: an empty value \(give one, or leave the flag out\)/],
    [['--local', ''], { EXECUTIONS_MCP_LOCAL: '1' }, /invalid --local: an empty value/],
    [['--local=', '--allow-writes'], {}, /invalid --local: an empty value/],
    [['--toolsets', ' '], { EXECUTIONS_MCP_TOOLSETS: 'ona' }, /invalid --toolsets: an empty value/],
  ])('%j %j', (argv, env, expected) => {
    expect(failure(argv, env)).toMatch(expected);
  });

  // A value echoed raw split the one line at a line break it held (the region's was already escaped).
  it.each<[string[], Record<string, string>, string]>([
    [['--local', '/tmp/no\nsuch'], {}, 'invalid --local / EXECUTIONS_MCP_LOCAL: "/tmp/no\\nsuch" is not a directory'],
    [[], { EXECUTIONS_MCP_LOCAL: '/tmp/x\r\ny' }, 'invalid --local / EXECUTIONS_MCP_LOCAL: "/tmp/x\\r\\ny" is not a directory'],
    [['--toolsets', 'stepfunctions,fo\no'], {}, 'unknown toolset "fo\\no"; valid toolsets'],
    [['--toolsets', 'ona\nstepfunctions'], {}, 'unknown toolset "ona\\nstepfunctions"'],
    [['--transport', 'http', '--allowed-hosts', 'a\nb'], {}, 'entry "a\\nb": expected a host name'],
    [['--allow-writes=tr\nue'], {}, 'expected true or false, got "tr\\nue"'],
    [[], { EXECUTIONS_MCP_ALLOW_WRITES: 'yes\u001b[2J' }, 'got "yes\\u001b[2J"'],
    [['--fo\no'], {}, "Unknown option '--fo o'"],
  ])('a value with a line break or control character stays on the one line: %j %j', (argv, env, expected) => {
    const message = failure(argv, env);
    expect(message).toContain(expected);
    expect(message).not.toMatch(/[\x00-\x1f\x7f]/);
  });

  // Each of these errors is about a value that itself carries a secret: the message names what is
  // wrong (scheme and host, a length) without repeating the password, the token or the key.
  it.each<[string, Record<string, string>, RegExp, string[]]>([
    [
      'an Ona base URL that is not https, with a password and a token in it',
      { ONA_BASE_URL: 'http://bob:Pa55wordXYZ@ona.example.com/api?token=tok-abcdef123' },
      /^invalid ONA_BASE_URL \/ GITPOD_BASE_URL: http:\/\/ona\.example\.com is not https/,
      ['Pa55wordXYZ', 'tok-abcdef123'],
    ],
    [
      'a loopback Ona base URL of another scheme, with a password',
      { GITPOD_BASE_URL: 'ftp://bob:Pa55wordXYZ@127.0.0.1/api' },
      /ftp:\/\/127\.0\.0\.1 is not https/,
      ['Pa55wordXYZ'],
    ],
    [
      'a Step Functions endpoint that does not parse, with a password and a signed token',
      { AWS_ENDPOINT_URL_SFN: 'http//bob:Pa55wordXYZ@sfn.local/?X-Amz-Security-Token=tok-abcdef123' },
      /^invalid AWS_ENDPOINT_URL_SFN: must be an absolute URL/,
      ['Pa55wordXYZ', 'tok-abcdef123'],
    ],
    [
      'an Ona API key with a line break inside (pasted across two lines)',
      { ONA_API_KEY: 'ona-key-first-half\nona-key-second-half' },
      /^invalid ONA_API_KEY \/ GITPOD_API_KEY: must be printable ASCII with no spaces or line breaks/,
      ['ona-key-first-half', 'ona-key-second-half'],
    ],
    [
      'an HTTP bearer token with a space inside',
      { EXECUTIONS_MCP_HTTP_TOKEN: 'token-part-one token-part-two' },
      /^invalid --http-token \/ EXECUTIONS_MCP_HTTP_TOKEN: must be printable ASCII/,
      ['token-part-one', 'token-part-two'],
    ],
    [
      'an Ona base URL with a query and credentials',
      { ONA_BASE_URL: 'https://bob:Pa55wordXYZ@ona.example.com/api?token=tok-abcdef123' },
      /^invalid ONA_BASE_URL \/ GITPOD_BASE_URL: https:\/\/ona\.example\.com\/api must be a plain base URL, with no query, fragment or credentials/,
      ['Pa55wordXYZ', 'tok-abcdef123'],
    ],
    [
      'an HTTP token that is too short',
      { EXECUTIONS_MCP_HTTP_TOKEN: 'sh0rtTok' },
      /^invalid --http-token \/ EXECUTIONS_MCP_HTTP_TOKEN: it has 8 characters/,
      ['sh0rtTok'],
    ],
    [
      'an Ona key that is too short',
      { ONA_API_KEY: 'k3y' },
      /^invalid ONA_API_KEY \/ GITPOD_API_KEY: it has 3 characters/,
      ['k3y'],
    ],
    [
      'a cursor secret that is too short',
      { EXECUTIONS_MCP_CURSOR_SECRET: 'sh0rtSecret' },
      /^invalid EXECUTIONS_MCP_CURSOR_SECRET: it has 11 characters/,
      ['sh0rtSecret'],
    ],
  ])('never echoes a secret: %s', (_label, env, expected, secrets) => {
    const message = failure([], { ONA_API_KEY: 'ona-secret-key', EXECUTIONS_MCP_HTTP_TOKEN: 'http-secret-token', ...env });
    expect(message).toMatch(expected);
    for (const secret of [...secrets, 'ona-secret-key', 'http-secret-token']) expect(message).not.toContain(secret);
  });
});

describe('a stray word among the flags (a token pasted without its flag, say)', () => {
  it.each<[string[], number, number]>([
    [['sk-live-0123456789abcdef'], 1, 24],
    [['--allow-writes', 'sk-live-0123456789abcdef'], 2, 24],
    [['--local', '/tmp', 'sk-live-0123456789abcdef'], 3, 24],
    [['--transport', 'http', '--', 'sk-live-0123456789abcdef'], 4, 24],
    [['--local=/tmp', 'x'], 2, 1],
  ])('%j is refused by its position and length, never its value', (argv, position, chars) => {
    const message = failure(argv);
    expect(message).toBe(
      `positional arguments are not accepted: argument ${position} (${chars} character${chars === 1 ? '' : 's'}, not shown) is not a flag or a flag's value. ` +
        'Next: give settings as flags, --name value or --name=value (executions-mcp --help lists them), or in EXECUTIONS_MCP_* variables',
    );
  });

  it("an unknown flag is named, its value is not", () => {
    for (const argv of [['--api-key', 'sk-live-0123456789abcdef'], ['--api-key=sk-live-0123456789abcdef']]) {
      const message = failure(argv);
      expect(message).toContain("'--api-key'");
      expect(message).not.toContain('sk-live');
    }
  });
});

describe('--allowed-hosts entries', () => {
  it('are host names as the Host guard compares them: lower case, no scheme, port or trailing dot, IPv6 in brackets', () => {
    const hosts = load(['--allowed-hosts', 'Mixed.Case.Lan, https://url.lan:8443/x,host.lan:8443,fe80::1,[FD00::2]:3000,10.1.2.3,trailing.lan.,fe80:0:0:0:0:0:0:2,::ffff:10.0.0.1']).http.allowedHosts;
    expect(hosts).toEqual(['mixed.case.lan', 'url.lan', 'host.lan', '[fe80::1]', '[fd00::2]', '10.1.2.3', 'trailing.lan', '[fe80::2]', '[::ffff:a00:1]']);
  });

  // An entry with a zone id stopped the server with "failed to start: Invalid URL" (exit 1).
  it('take an IPv6 address without its zone id, as the Host guard compares it', () => {
    expect(load(['--allowed-hosts', 'fe80::1%eth0,[FE80::2%25eth0]:3000']).http.allowedHosts).toEqual(['[fe80::1]', '[fe80::2]']);
  });

  it.each(['bad host', 'a/b', '[not-ipv6]', 'http://', 'bad%zone'])('refuses %j at start', (entry) => {
    expect(failure(['--allowed-hosts', entry])).toMatch(/^invalid --allowed-hosts \/ EXECUTIONS_MCP_ALLOWED_HOSTS entry ".*": expected a host name or an IP address/);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true], ['127.1.2.3', true], ['localhost', true], ['LocalHost', true], ['::1', true], ['[::1]', true],
    ['::1%lo', true], ['[::1%lo]', true], ['::1%25lo', true], ['0:0:0:0:0:0:0:1', true],
    ['0.0.0.0', false], ['::', false], ['10.0.0.1', false], ['example.com', false], ['localhost.example.com', false],
    ['fe80::1%lo', false], ['::2%lo', false], ['127.0.0.1%lo', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

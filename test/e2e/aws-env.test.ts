import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { CLI, cliEnv, runCli, type CallResult } from './cli.js';

/**
 * The built CLI with AWS settings from the environment and the AWS config files, which the SDK reads
 * itself: what the server logs at start, checks, and what the SDK then signs with, agree.
 */

let fake: FakeSfn;
let dir: string;

beforeAll(async () => {
  fake = await startFakeSfn();
  fake.addStateMachine('Orders');
  dir = mkdtempSync(join(tmpdir(), 'e2e-aws-env-'));
});

afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The fake's environment with these AWS config files, and without the variables named in `unset`. */
function envWith(files: { config?: string; credentials?: string }, extra: Record<string, string>, unset: string[] = []): Record<string, string> {
  const config = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  const credentials = `${config}-credentials`;
  writeFileSync(config, files.config ?? '');
  writeFileSync(credentials, files.credentials ?? '');
  const env: Record<string, string> = { ...cliEnv(fake.url), HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, ...extra };
  for (const name of unset) delete env[name];
  return env;
}

/** One list_state_machines call through the CLI over stdio; its result and the start-up log line. */
async function listOnce(env: Record<string, string>): Promise<{ result: CallResult; starting: Record<string, unknown>; signedAs: string[] }> {
  const before = fake.requests.length;
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const client = new Client({ name: 'e2e', version: '0' });
  await client.connect(transport);
  const result = (await client.callTool({ name: 'list_state_machines', arguments: {} })) as CallResult;
  await client.close();
  const line = stderr.split('\n').find((l) => l.includes('"message":"starting"')) ?? '{}';
  const signedAs = fake.requests.slice(before).map((r) => r.signedAs ?? '(unsigned)');
  return { result, starting: JSON.parse(line) as Record<string, unknown>, signedAs };
}

describe('AWS settings the SDK also reads', () => {
  it('an empty AWS_REGION is unset: the region comes from the AWS profile, as the start-up log says', async () => {
    const env = envWith({ config: '[default]\nregion = eu-west-3\n' }, { AWS_REGION: '' });
    const { result, starting, signedAs } = await listOnce(env);
    expect(result.isError, result.content?.[0]?.text).toBeUndefined();
    expect(starting.region).toBe('(from AWS config)');
    expect(signedAs).toEqual(['AKIDE2E/eu-west-3']);
  });

  it('a blank AWS_PROFILE is unset: the default profile\'s credentials sign, as the start-up log says', async () => {
    const credentials = '[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-profile-secret\n';
    const env = envWith({ credentials }, { AWS_PROFILE: '  ' }, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    const { result, starting, signedAs } = await listOnce(env);
    expect(result.isError, result.content?.[0]?.text).toBeUndefined();
    expect(starting.profile).toBe('(default chain)');
    expect(signedAs).toEqual(['AKIDDEFAULT/us-east-1']);
  });

  it('a profile\'s region that is not a region name is a configuration error, not a bug to report', async () => {
    const env = envWith({ config: '[default]\nregion = eu west 1\n' }, {}, ['AWS_REGION']);
    const { result, signedAs } = await listOnce(env);
    expect(result.isError).toBe(true);
    expect(result.content?.[0]?.text).toMatch(
      /^Step Functions ListStateMachines failed: Error: Region not accepted: region="eu west 1" .*Next: the region of the AWS profile \(its region setting in the AWS config or credentials file.*\) is not an AWS region name such as us-east-1: correct it, or set AWS_REGION, and restart the server/,
    );
    expect(result.content?.[0]?.text).not.toContain('report it');
    expect(signedAs).toEqual([]);
  });

  it('an AWS_REGION that is not a region name stops the server at start, with one line and exit code 2', async () => {
    const r = await runCli([], cliEnv(fake.url, { AWS_REGION: 'us east 1' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('executions-mcp: invalid AWS_REGION: "us east 1" is not an AWS region name such as us-east-1, eu-central-2 or us-gov-west-1\n');
  });
});

describe('the start-up log names the endpoint the SDK sends to', () => {
  /** The start-up line of a server that makes no call (stdin closed at once). */
  async function startingLine(env: Record<string, string>): Promise<Record<string, unknown>> {
    const r = await runCli([], env);
    expect(r.code).toBe(0);
    return JSON.parse(r.stderr.split('\n').find((l) => l.includes('"message":"starting"')) ?? '{}') as Record<string, unknown>;
  }

  it('AWS_ENDPOINT_URL, which the SDK uses when AWS_ENDPOINT_URL_SFN is not set', async () => {
    const env = envWith({}, { AWS_ENDPOINT_URL: fake.url }, ['AWS_ENDPOINT_URL_SFN']);
    const { result, starting, signedAs } = await listOnce(env);
    expect(result.isError, result.content?.[0]?.text).toBeUndefined();
    expect(signedAs).toHaveLength(1);
    expect(starting.sfnEndpoint).toBe(`${fake.url}/ (AWS_ENDPOINT_URL)`);
    // AWS_ENDPOINT_URL_SFN wins, in the SDK and in the log.
    expect((await startingLine(cliEnv(fake.url, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9/other' }))).sfnEndpoint).toBe(`${fake.url}/`);
  });

  it('a profile\'s endpoint_url, which only the SDK reads: the log says it may apply', async () => {
    // With AWS_PROFILE set the SDK takes the profile's keys, not the environment's.
    const config = `[profile withep]\nendpoint_url = ${fake.url}\naws_access_key_id = AKIDWITHEP\naws_secret_access_key = withep-secret\n`;
    const env = envWith({ config }, { AWS_PROFILE: 'withep' }, ['AWS_ENDPOINT_URL_SFN']);
    const { result, starting, signedAs } = await listOnce(env);
    expect(result.isError, result.content?.[0]?.text).toBeUndefined();
    expect(signedAs).toHaveLength(1);
    expect(starting.sfnEndpoint).toBe('AWS, unless profile withep sets endpoint_url (or an sfn endpoint_url in its services section)');
    const noProfile = envWith({}, {}, ['AWS_ENDPOINT_URL_SFN']);
    expect((await startingLine(noProfile)).sfnEndpoint).toBe('AWS, unless the AWS profile sets endpoint_url (or an sfn endpoint_url in its services section)');
  });

  it('AWS itself when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true (AWS_ENDPOINT_URL and endpoint_url are then ignored)', async () => {
    const env = envWith({}, { AWS_ENDPOINT_URL: fake.url, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, ['AWS_ENDPOINT_URL_SFN']);
    expect((await startingLine(env)).sfnEndpoint).toBe('AWS');
  });

  it('an AWS_ENDPOINT_URL that is not an http(s) URL stops the server at start', async () => {
    const r = await runCli([], cliEnv(fake.url, { AWS_ENDPOINT_URL: 'localhost:4566' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^executions-mcp: invalid AWS_ENDPOINT_URL: must be an absolute URL with http:\/\/ or https:\/\/.*\n$/);
  });
});

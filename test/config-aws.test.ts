import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, normalizeAwsEnv, secretsOf, type Config } from '../src/config.js';

/** The AWS settings the server reads and the SDK reads again itself: the same values for both. */

function load(env: Record<string, string>, argv: string[] = []): Config {
  const request = loadConfig(argv, env);
  if (request.kind !== 'run') throw new Error(`expected run, got ${request.kind}`);
  return request.config;
}

function failure(env: Record<string, string>, argv: string[] = []): string {
  try {
    loadConfig(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('AWS region names', () => {
  it.each([
    'us-east-1', 'eu-central-2', 'ap-southeast-7', 'mx-central-1', 'il-central-1', 'us-gov-west-1', 'cn-north-1', 'cn-northwest-1',
    'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1', 'eusc-de-east-1',
  ])('%s is accepted', (region) => {
    expect(load({ AWS_REGION: region }).aws.region).toBe(region);
  });

  it('a region with spaces around it is trimmed', () => {
    expect(load({ AWS_REGION: ' us-east-1 ' }).aws.region).toBe('us-east-1');
  });

  // The SDK signs with "EU" and fails every call on the others ("Region not accepted").
  it.each(['us east 1', 'us_east_1', 'us-east-1/evil', 'EU', 'US-EAST-1', 'eu-west', 'local', 'us-east-1.amazonaws.com'])('%j stops the server at start', (region) => {
    expect(failure({ AWS_REGION: region })).toBe(`invalid AWS_REGION: ${JSON.stringify(region)} is not an AWS region name such as us-east-1, eu-central-2 or us-gov-west-1`);
  });

  it('names AWS_DEFAULT_REGION when that is the one used, and checks it with --local too', () => {
    expect(failure({ AWS_REGION: ' ', AWS_DEFAULT_REGION: 'eu west 1' })).toMatch(/^invalid AWS_DEFAULT_REGION: "eu west 1" is not an AWS region name/);
    expect(failure({ AWS_REGION: 'EU' }, ['--local'])).toMatch(/^invalid AWS_REGION: "EU"/);
  });

  it('a FIPS pseudo-region is refused with the setting that means the same', () => {
    expect(failure({ AWS_REGION: 'fips-us-east-1' })).toBe('invalid AWS_REGION: "fips-us-east-1" is a FIPS pseudo-region; set AWS_REGION=us-east-1 and AWS_USE_FIPS_ENDPOINT=true instead');
    expect(failure({ AWS_REGION: 'us-gov-west-1-fips' })).toMatch(/set AWS_REGION=us-gov-west-1 and AWS_USE_FIPS_ENDPOINT=true/);
  });

  it('a control character in the value is shown escaped, on the one line', () => {
    expect(failure({ AWS_REGION: 'us-east-1\nx' })).toMatch(/^invalid AWS_REGION: "us-east-1\\nx" is not/);
  });
});

describe('blank AWS variables are unset, for the server and for the SDK', () => {
  it('the server takes a blank AWS_REGION or AWS_PROFILE as unset', () => {
    expect(load({ AWS_REGION: '', AWS_PROFILE: '  ' }).aws).toMatchObject({ region: undefined, profile: undefined });
  });

  it('normalizeAwsEnv removes what the server took as unset and trims the rest, as the server read them', () => {
    const env: NodeJS.ProcessEnv = { AWS_REGION: '', AWS_PROFILE: '  ', AWS_DEFAULT_REGION: ' eu-west-1 ', AWS_ENDPOINT_URL: ' ', HOME: ' /home/x ' };
    normalizeAwsEnv(env);
    // Else the SDK would use region "" (not the profile's) and look for a profile named "  ".
    expect(env).toEqual({ AWS_DEFAULT_REGION: 'eu-west-1', HOME: ' /home/x ' });
  });
});

describe('AWS_ENDPOINT_URL, which the SDK uses without AWS_ENDPOINT_URL_SFN', () => {
  it('is read for the start-up log, its secrets redacted, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true', () => {
    const c = load({ AWS_ENDPOINT_URL: 'http://bob:Pa55wordXYZ@127.0.0.1:9/' });
    expect(c.aws).toMatchObject({ sdkEndpoint: 'http://bob:Pa55wordXYZ@127.0.0.1:9/', configuredEndpointsIgnored: false, endpoints: { sfn: undefined } });
    expect(secretsOf(c)).toContain('Pa55wordXYZ');
    // Only the exact word, as the SDK reads it.
    expect(load({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).aws).toMatchObject({ sdkEndpoint: undefined, configuredEndpointsIgnored: true });
    expect(load({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'TRUE' }).aws.sdkEndpoint).toBe('http://127.0.0.1:9');
  });

  it('one that is not an http(s) URL stops the server at start, unless ignored', () => {
    expect(failure({ AWS_ENDPOINT_URL: 'localhost:4566' })).toMatch(/^invalid AWS_ENDPOINT_URL: must be an absolute URL with http:\/\/ or https:\/\//);
    expect(load({ AWS_ENDPOINT_URL: 'localhost:4566', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).aws.sdkEndpoint).toBeUndefined();
  });
});

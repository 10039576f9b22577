import { loadConfig, type Config } from '../../src/config.js';

/** A Config as the CLI would build it from these flags and env (nothing from the real environment). */
export function testConfig(argv: string[] = [], env: Record<string, string> = {}): Config {
  const request = loadConfig(argv, { AWS_REGION: 'us-east-1', ...env });
  if (request.kind !== 'run') throw new Error('expected a run config');
  return request.config;
}

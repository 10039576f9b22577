import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setQuiet } from '../../src/log.js';
import { loadDefinitions } from '../../src/local/definitions.js';
import { LocalEngine } from '../../src/local/engine.js';
import { installPromisePolyfill } from '../../src/local/library.js';
import { loadHandlers } from '../../src/local/tasks.js';
import { until } from '../helpers/wait.js';
import { fixtureDir } from './helpers.js';

/**
 * The engine itself, below the API that refuses inputs nested over 1,000 levels: when the library
 * fails under a run (a stack overflow on a 20,000-deep input), the execution still ends, FAILED
 * with States.Runtime and a history that says so, instead of staying RUNNING for good.
 */

const scope = { region: 'us-east-1', account: '123456789012' };
let fixture: ReturnType<typeof fixtureDir>;
let engine: LocalEngine;

beforeAll(async () => {
  setQuiet(true);
  installPromisePolyfill();
  fixture = fixtureDir({ Pass: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } });
  const [{ machines }, handlers] = await Promise.all([loadDefinitions(fixture.dir, scope, () => undefined), loadHandlers(fixture.dir, () => undefined)]);
  engine = new LocalEngine(machines, { scope, roleArn: 'arn:aws:iam::123456789012:role/local', timeScale: 1, handlers, handlerFileHint: 'handlers.mjs' });
});
afterAll(() => {
  engine.stopAll();
  fixture.remove();
});

describe('a run its library fails under', () => {
  it('ends FAILED with States.Runtime, and its history ends with ExecutionFailed', async () => {
    const machine = engine.machines.get('Pass');
    if (!machine) throw new Error('no Pass machine');
    const depth = 20_000;
    const record = await engine.start(machine, 'too-deep', `${'['.repeat(depth)}${']'.repeat(depth)}`, undefined);
    await until(() => record.status !== 'RUNNING', 'the execution to end');
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('States.Runtime');
    const events = record.history.events(engine.store.parsed);
    expect(events.at(-1)?.type).toBe('ExecutionFailed');
  });
});

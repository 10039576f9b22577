import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setQuiet } from '../../src/log.js';
import { loadDefinitions } from '../../src/local/definitions.js';
import { LocalEngine } from '../../src/local/engine.js';
import { installPromisePolyfill } from '../../src/local/library.js';
import { loadHandlers } from '../../src/local/tasks.js';
import { until } from '../helpers/wait.js';
import { fixtureDir } from './helpers.js';

/**
 * A run whose history grows past what the store holds (an inline Map passing a big string to each
 * item) fails with States.Runtime and says why, and is counted as ended, so the store drops it in
 * time. Such histories once grew unbounded: freezing one passed V8's longest string, the run was
 * never counted as ended, and repeating it took the server down out of memory.
 */

const MAX_CHARS = 2_000_000;
const scope = { region: 'us-east-1', account: '123456789012' };
let fixture: ReturnType<typeof fixtureDir>;
let engine: LocalEngine;

beforeAll(async () => {
  setQuiet(true);
  installPromisePolyfill();
  fixture = fixtureDir({
    Fat: {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemSelector: { 'big.$': '$.big', 'i.$': '$$.Map.Item.Value' },
          ResultPath: null,
          ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    },
  });
  const [{ machines }, handlers] = await Promise.all([loadDefinitions(fixture.dir, scope, () => undefined), loadHandlers(fixture.dir, () => undefined)]);
  engine = new LocalEngine(machines, {
    scope,
    roleArn: 'arn:aws:iam::123456789012:role/local',
    timeScale: 1,
    handlers,
    handlerFileHint: 'handlers.mjs',
    storeLimits: { maxEnded: 100, maxChars: MAX_CHARS },
  });
});
afterAll(() => {
  engine.stopAll();
  fixture.remove();
});

const fat = () => {
  const machine = engine.machines.get('Fat');
  if (!machine) throw new Error('no Fat machine');
  return machine;
};
const input = (items: number) => JSON.stringify({ big: 'x'.repeat(50_000), items: Array.from({ length: items }, (_, i) => i) });

describe('an execution whose history passes the store limit', () => {
  it('fails with States.Runtime saying so, its history ending with ExecutionFailed, and is dropped in time', async () => {
    const record = await engine.start(fat(), 'too-big', input(200), undefined);
    await until(() => record.status !== 'RUNNING', 'the execution to end');
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('States.Runtime');
    expect(record.cause).toContain("keeps at most 2,000,000 characters of one execution's history");
    const events = record.history.events(engine.store.parsed);
    expect(events.at(-1)?.type).toBe('ExecutionFailed');
    // It stopped soon after the limit, not after all 200 items.
    expect(events.filter((e) => e.type === 'MapIterationStarted').length).toBeLessThan(200);

    // Counted as ended: the next run to end brings the store back under its limit without it.
    const small = await engine.start(fat(), 'small', input(2), undefined);
    await until(() => small.status !== 'RUNNING', 'the small execution to end');
    expect(small.status).toBe('SUCCEEDED');
    expect(engine.store.get('Fat', 'too-big')).toBeUndefined();
    expect(engine.store.get('Fat', 'small')).toBe(small);
  });
});

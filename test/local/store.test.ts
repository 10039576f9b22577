import { describe, expect, it } from 'vitest';
import type { LocalStateMachine } from '../../src/local/definitions.js';
import { ExecutionStore } from '../../src/local/store.js';

describe('ExecutionStore', () => {
  it('keeps a bounded number of ended executions, dropping the oldest ended first', () => {
    const machine = { name: 'M', executionArnPrefix: 'arn:aws:states:us-east-1:123456789012:execution:M:' } as LocalStateMachine;
    const store = new ExecutionStore(10);
    const records = Array.from({ length: 30 }, (_, i) => store.add(machine, `run-${i}`, '{}', i, undefined));
    // run-0 is still running: it is never dropped, however old.
    for (const r of records.slice(1)) {
      r.status = 'SUCCEEDED';
      store.ended(r);
    }
    const kept = store.list('M').map((r) => r.name);
    expect(kept[0]).toBe('run-0');
    expect(kept.length).toBeLessThanOrEqual(12);
    expect(kept.slice(-10)).toEqual(records.slice(20).map((r) => r.name));
    expect(store.get('M', 'run-1')).toBeUndefined();
    expect(store.get('M', 'run-29')?.name).toBe('run-29');
  });

  it('also drops the oldest ended executions when what they hold passes a character budget', () => {
    const machine = { name: 'M', executionArnPrefix: 'arn:aws:states:us-east-1:123456789012:execution:M:' } as LocalStateMachine;
    const store = new ExecutionStore(10_000, 10_000);
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 30; i += 1) {
      const r = store.add(machine, `big-${i}`, big, i, undefined);
      r.status = 'SUCCEEDED';
      store.ended(r);
    }
    const kept = store.list('M');
    expect(kept.length).toBeLessThanOrEqual(10);
    expect(kept.at(-1)?.name).toBe('big-29');
  });
});

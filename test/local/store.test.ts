import { describe, expect, it } from 'vitest';
import type { LocalStateMachine } from '../../src/local/definitions.js';
import { ExecutionStore, HistoryLog, ParsedHistoryCache } from '../../src/local/store.js';

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

  it('freezes a long history in pieces and reads back every event in order', () => {
    const log = new HistoryLog();
    for (let id = 1; id <= 450; id += 1) log.append({ id, previousEventId: id - 1, timestamp: id, type: 'PassStateEntered', stateEnteredEventDetails: { name: `s${id}`, input: '{"a":"é"}' } });
    const live = log.events(new ParsedHistoryCache());
    const before = JSON.stringify(live);
    log.freeze();
    const frozen = log.events(new ParsedHistoryCache());
    expect(frozen).not.toBe(live);
    expect(JSON.stringify(frozen)).toBe(before);
    expect(log.frozenChars).toBeGreaterThan(before.length - 10);
  });

  it('keeps fewer parsed histories when they are big, but always the one just read', () => {
    const frozenLog = (chars: number) => {
      const log = new HistoryLog();
      log.append({ id: 1, previousEventId: 0, timestamp: 1, type: 'ExecutionStarted', executionStartedEventDetails: { input: 'x'.repeat(chars) } });
      log.freeze();
      return log;
    };
    const cache = new ParsedHistoryCache(4, 1_000);
    const [a, b, c] = [frozenLog(600), frozenLog(600), frozenLog(5_000)];
    let parses = 0;
    const read = (log: HistoryLog) => cache.get(log, () => ((parses += 1), []));
    read(a);
    read(a);
    expect(parses).toBe(1);
    // a and b together pass 1,000 characters: a goes.
    read(b);
    read(a);
    expect(parses).toBe(3);
    // c alone passes it, and is kept: paging through it costs one parse.
    read(c);
    read(c);
    expect(parses).toBe(4);
  });
});

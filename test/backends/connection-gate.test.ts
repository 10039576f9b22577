import { describe, expect, it } from 'vitest';
import { ConnectionGate, NotSent } from '../../src/backends/connection-gate.js';
import { track, until } from '../helpers/wait.js';

/** Work that runs until the test ends it (finish, or fail), and records in `started` that it ran. */
function held(started: string[], name: string): { work: () => Promise<string>; finish(): void; fail(): void } {
  const ends: { finish?: () => void; fail?: () => void } = {};
  const done = new Promise<string>((resolve, reject) => {
    ends.finish = () => resolve(name);
    ends.fail = () => reject(new Error(`${name} failed`));
  });
  return {
    work: () => {
      started.push(name);
      return done;
    },
    finish: () => ends.finish?.(),
    fail: () => ends.fail?.(),
  };
}

describe('ConnectionGate', () => {
  it('runs at most `size` at once; the others start in arrival order as slots free, a failed one freeing its slot too', async () => {
    const gate = new ConnectionGate(2);
    const started: string[] = [];
    const jobs = ['a', 'b', 'c', 'd'].map((name) => held(started, name));
    const results = jobs.map((job) => track(gate.run(new AbortController().signal, job.work)));
    await until(() => started.length === 2, 'the first two to start');
    expect(started).toEqual(['a', 'b']);
    expect(gate.queued).toBe(2);
    jobs[1]?.fail();
    await until(() => started.length === 3, 'c to start');
    expect(results[1]?.error).toBeInstanceOf(Error);
    jobs[0]?.finish();
    await until(() => started.length === 4, 'd to start');
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(gate.queued).toBe(0);
    jobs[2]?.finish();
    jobs[3]?.finish();
    await until(() => results.every((r) => r.settled), 'every run to settle');
    expect(results.map((r) => r.value)).toEqual(['a', undefined, 'c', 'd']);
  });

  it('a waiter whose signal aborts leaves the queue at once, never runs, and the next one takes the slot', async () => {
    const gate = new ConnectionGate(1);
    const started: string[] = [];
    const [first, cancelled, next] = ['first', 'cancelled', 'next'].map((name) => held(started, name));
    if (!first || !cancelled || !next) throw new Error('three jobs');
    const controller = new AbortController();
    const running = track(gate.run(new AbortController().signal, first.work));
    const leaving = track(gate.run(controller.signal, cancelled.work));
    const waiting = track(gate.run(new AbortController().signal, next.work));
    await until(() => gate.queued === 2, 'two waiters');
    const reason = new DOMException('no answer within 1000 ms', 'TimeoutError');
    controller.abort(reason);
    // Rejected while the slot is still taken: leaving does not wait for a turn.
    await until(() => leaving.settled, 'the aborted waiter to leave');
    expect(leaving.error).toBeInstanceOf(NotSent);
    expect((leaving.error as Error).name).toBe('AbortError');
    expect((leaving.error as Error).cause).toBe(reason);
    expect(gate.queued).toBe(1);
    first.finish();
    await until(() => started.length === 2, 'the next waiter to start');
    expect(started).toEqual(['first', 'next']);
    next.finish();
    await until(() => waiting.settled && running.settled, 'both runs to settle');
    expect([running.value, waiting.value]).toEqual(['first', 'next']);
  });

  it('an already aborted signal is refused without taking a slot, even a free one', async () => {
    const gate = new ConnectionGate(1);
    const controller = new AbortController();
    controller.abort();
    let ran = false;
    await expect(
      gate.run(controller.signal, () => {
        ran = true;
        return Promise.resolve();
      }),
    ).rejects.toBeInstanceOf(NotSent);
    expect(ran).toBe(false);
    await expect(gate.run(new AbortController().signal, () => Promise.resolve('free'))).resolves.toBe('free');
  });

  it('needs at least one slot', () => {
    expect(() => new ConnectionGate(0)).toThrow(RangeError);
  });
});

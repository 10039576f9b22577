import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CursorCodec } from '../../src/paging/token.js';
import { buildHistory, startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { answerSize, startSfnEnv, type SfnEnv } from '../sfn/env.js';

/** The paging contract end to end: MCP client → list tools → real SFNClient → fake backend. */

let fake: FakeSfn;
let env: SfnEnv;
let machines = 0;

beforeAll(async () => {
  fake = await startFakeSfn();
  // The smallest budget the configuration allows, so answers are cut mid-page.
  env = await startSfnEnv({ fake, argv: ['--response-budget-chars', '16000'] });
});

afterAll(async () => {
  await env.close();
  await fake.close();
});

interface Page {
  names: string[];
  nextToken: string | undefined;
  stopReason: string;
  size: number;
}

async function listPage(e: SfnEnv, args: Record<string, unknown>): Promise<Page> {
  const r = await e.call('list_executions', args);
  expect(r.isError, r.text).toBeUndefined();
  const executions = r.structured?.executions as Array<{ name: string }>;
  return { names: executions.map((x) => x.name), nextToken: r.structured?.nextToken as string | undefined, stopReason: String(r.structured?.stopReason), size: answerSize(r) };
}

async function walkAll(e: SfnEnv, args: Record<string, unknown>, knobs: Array<{ maxItems: number; pageSize: number }>, between?: () => void): Promise<Page[]> {
  const pages: Page[] = [];
  let token: string | undefined;
  for (let n = 0; n < 500; n += 1) {
    const k = knobs[n % knobs.length] ?? { maxItems: 50, pageSize: 100 };
    const page = await listPage(e, { ...args, ...k, ...(token ? { startingToken: token } : {}) });
    pages.push(page);
    if (!page.nextToken) return pages;
    token = page.nextToken;
    between?.();
  }
  throw new Error('walk did not end');
}

describe('list_executions exactly-once property', () => {
  it('following nextToken yields every execution once, in order, with mid-page budget cuts', async () => {
    // Long machine and execution names (80 characters, the most Step Functions allows) make items
    // big enough that the smallest budget, not maxItems, ends many answers.
    let budgetStops = 0;
    let midPageCuts = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 90 }),
        fc.array(fc.record({ maxItems: fc.integer({ min: 1, max: 40 }), pageSize: fc.integer({ min: 1, max: 25 }) }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(undefined, 'FAILED', 'SUCCEEDED'),
        async (total, knobs, statusFilter) => {
          machines += 1;
          const arn = fake.addStateMachine(`Prop${machines}-`.padEnd(80, 'm'));
          fake.addExecutions(arn, total, { prefix: `run-${machines}-`.padEnd(73, 'n') });
          const args = statusFilter ? { stateMachineArn: arn, statusFilter } : { stateMachineArn: arn };
          const pages = await walkAll(env, args, knobs);
          const expected = fake.executionsOf(arn).filter((x) => !statusFilter || x.status === statusFilter).map((x) => x.name);
          expect(pages.flatMap((p) => p.names)).toEqual(expected);
          expect(pages.at(-1)?.stopReason).toBe('exhausted');
          for (const p of pages) expect(p.size).toBeLessThanOrEqual(env.config.limits.responseBudgetChars);
          budgetStops += pages.filter((p) => p.stopReason === 'responseBudget').length;
          // The first answer of a walk starts on a backend page boundary: cut by the budget at a
          // count that is not a multiple of pageSize, it was cut inside a backend page.
          const first = pages[0];
          const firstKnobs = knobs[0];
          if (first?.stopReason === 'responseBudget' && firstKnobs && first.names.length % firstKnobs.pageSize !== 0) midPageCuts += 1;
        },
      ),
      // A walk the budget cuts mid-page for sure, whatever the random runs draw.
      { numRuns: 25, examples: [[90, [{ maxItems: 40, pageSize: 7 }], undefined]] },
    );
    // The budget is what the property is about: it must actually have ended answers, mid-page too.
    expect(budgetStops).toBeGreaterThan(0);
    expect(midPageCuts).toBeGreaterThan(0);
  });

  it('executions started between continuations do not disturb the walk already under way', async () => {
    machines += 1;
    const arn = fake.addStateMachine(`Busy${machines}`);
    fake.addExecutions(arn, 60);
    const original = fake.executionsOf(arn).map((x) => x.name);
    let started = 0;
    const pages = await walkAll(env, { stateMachineArn: arn }, [{ maxItems: 7, pageSize: 10 }, { maxItems: 4, pageSize: 10 }], () => {
      for (let i = 0; i < 3; i += 1) fake.startNewExecution(arn, `late-${(started += 1)}`);
    });
    expect(started).toBeGreaterThan(5);
    expect(pages.flatMap((p) => p.names)).toEqual(original);
  });

  it('history: following nextToken through a 25,000-event history returns every event once', async () => {
    machines += 1;
    const arn = fake.addStateMachine(`Long${machines}`);
    const [execution] = fake.addExecutions(arn, 1);
    const events = buildHistory({ tasks: 5000, payloadChars: 40 });
    fake.setHistory(execution?.executionArn ?? '', events);
    const big = await startSfnEnv({ fake });
    let token: string | undefined;
    const ids: number[] = [];
    for (let n = 0; n < 200; n += 1) {
      const r = await big.call('get_execution_history', {
        executionArn: execution?.executionArn,
        includeExecutionData: false,
        maxItems: 1000,
        pageSize: 700,
        ...(token ? { startingToken: token } : {}),
      });
      ids.push(...(r.structured?.events as Array<{ id: number }>).map((e) => e.id));
      token = r.structured?.nextToken as string | undefined;
      if (!token) break;
    }
    await big.close();
    expect(ids).toEqual(events.map((e) => e.id));
  });
});

describe('paging through the tools', () => {
  let arn: string;
  /** Default response budget, for walks that should not be cut by it. */
  let roomy: SfnEnv;
  beforeAll(async () => {
    machines += 1;
    arn = fake.addStateMachine(`Tokens${machines}`);
    fake.addExecutions(arn, 40);
    roomy = await startSfnEnv({ fake });
  });
  afterAll(async () => {
    await roomy.close();
  });

  it('a token reused with different arguments or by another tool is refused without a backend call', async () => {
    const first = await listPage(env, { stateMachineArn: arn, maxItems: 3 });
    const before = fake.requests.length;
    const other = await env.call('list_executions', { stateMachineArn: arn, statusFilter: 'FAILED', maxItems: 3, startingToken: first.nextToken });
    expect(other.isError).toBe(true);
    expect(other.text).toMatch(/startingToken was issued for different arguments/);
    // It names every argument a continuation may change: maxPayloadChars too, which payload hints invite changing.
    expect(other.text).toMatch(/only maxItems, pageSize and maxPayloadChars may change/);
    const history = await env.call('get_execution_history', { executionArn: fake.executionsOf(arn)[0]?.executionArn, startingToken: first.nextToken });
    expect(history.text).toMatch(/startingToken was issued by list_executions, not get_execution_history/);
    const machinesCall = await env.call('list_state_machines', { startingToken: first.nextToken });
    expect(machinesCall.text).toMatch(/issued by list_executions/);
    const tampered = await env.call('list_executions', { stateMachineArn: arn, maxItems: 3, startingToken: `${first.nextToken}x` });
    expect(tampered.text).toMatch(/not a valid continuation token for list_executions .*omit startingToken/);
    expect(fake.requests.length).toBe(before);
    // Changing only maxItems and pageSize is allowed.
    const next = await listPage(env, { stateMachineArn: arn, maxItems: 2, pageSize: 5, startingToken: first.nextToken });
    expect(next.names).toEqual(fake.executionsOf(arn).slice(3, 5).map((x) => x.name));
  });

  it('an expired token is refused with the way forward', async () => {
    let clock = Date.now();
    const aging = await startSfnEnv({ fake, cursors: new CursorCodec(undefined, () => clock) });
    const first = await listPage(aging, { stateMachineArn: arn, maxItems: 3 });
    clock += 25 * 3600_000;
    const r = await aging.call('list_executions', { stateMachineArn: arn, maxItems: 3, startingToken: first.nextToken });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/startingToken expired .*call again without startingToken/);
    await aging.close();
  });

  it('tokens are self-contained: another server instance with the same secret continues them', async () => {
    const a = await startSfnEnv({ fake, env: { EXECUTIONS_MCP_CURSOR_SECRET: 'shared-secret-0123' } });
    const b = await startSfnEnv({ fake, env: { EXECUTIONS_MCP_CURSOR_SECRET: 'shared-secret-0123' } });
    const c = await startSfnEnv({ fake, env: { EXECUTIONS_MCP_CURSOR_SECRET: 'another-secret-0123' } });
    const first = await listPage(a, { stateMachineArn: arn, maxItems: 5 });
    const second = await listPage(b, { stateMachineArn: arn, maxItems: 5, startingToken: first.nextToken });
    expect([...first.names, ...second.names]).toEqual(fake.executionsOf(arn).slice(0, 10).map((x) => x.name));
    const refused = await c.call('list_executions', { stateMachineArn: arn, maxItems: 5, startingToken: first.nextToken });
    expect(refused.text).toMatch(/not a valid continuation token/);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('sends progress notifications while collecting many pages when the client asks', async () => {
    const progress: Array<{ progress: number; message?: string }> = [];
    const r = await roomy.call('list_executions', { stateMachineArn: arn, maxItems: 40, pageSize: 4 }, {
      onprogress: (p) => progress.push(p as { progress: number; message?: string }),
    });
    expect(r.isError).toBeUndefined();
    const pages = Number(r.structured?.pagesFetched);
    expect(pages).toBeGreaterThan(1);
    expect(progress.length).toBe(pages);
    for (let i = 1; i < progress.length; i += 1) expect(progress[i]?.progress).toBeGreaterThan(progress[i - 1]?.progress ?? 0);
    expect(progress[0]?.message).toMatch(/fetched 1 page/);
  });

  it('a time window stops early: no pages past the first execution older than startedAfter', async () => {
    const all = fake.executionsOf(arn);
    const cutoff = all[12];
    const before = fake.requestsFor('ListExecutions').length;
    const r = await listPage(roomy, { stateMachineArn: arn, startedAfter: new Date((cutoff?.startDate ?? 0) * 1000).toISOString(), pageSize: 5, maxItems: 100 });
    expect(r.names).toEqual(all.slice(0, 13).map((x) => x.name));
    expect(r.stopReason).toBe('timeWindow');
    expect(fake.requestsFor('ListExecutions').length - before).toBe(3);
  });

  it('startedBefore skips the newest executions and continues exactly', async () => {
    const all = fake.executionsOf(arn);
    const args = { stateMachineArn: arn, startedBefore: new Date((all[30]?.startDate ?? 0) * 1000).toISOString() };
    const pages = await walkAll(env, args, [{ maxItems: 3, pageSize: 4 }]);
    expect(pages.flatMap((p) => p.names)).toEqual(all.slice(30).map((x) => x.name));
  });
});

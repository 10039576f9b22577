import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEngine, type LocalEngineHandle } from '../../src/local/index.js';
import { setQuiet } from '../../src/log.js';
import { testConfig } from '../helpers/config.js';
import { connect, type Harness } from '../helpers/harness.js';
import { fixtureDir, smArn } from './helpers.js';

/**
 * The engine answers in-process, with no socket: a long walk of small pages must still yield to the
 * event loop between pages (other clients, cancels and signals are served meanwhile), and a request
 * whose call was cancelled is not carried out.
 */

let engine: LocalEngineHandle;
let h: Harness;
let fixture: ReturnType<typeof fixtureDir>;
const RUNS = 150;

beforeAll(async () => {
  setQuiet(true);
  fixture = fixtureDir({ Quick: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } } });
  const config = testConfig(['--local', fixture.dir, '--allow-writes'], { EXECUTIONS_MCP_WRITES_PER_MINUTE: '0' });
  engine = await startLocalEngine(config);
  h = await connect(config, { sfn: engine.sfnBackend });
  for (let i = 0; i < RUNS; i += 1) {
    const r = await h.call('start_execution', { stateMachineArn: smArn('Quick'), name: `run-${i}` });
    expect(r.isError, r.text).toBeUndefined();
  }
});

afterAll(async () => {
  await h.close();
  await engine.close();
  fixture.remove();
});

describe('the embedded engine under a long walk', () => {
  it('lets a timer run between the pages of one call', async () => {
    let answered = false;
    let timerBeforeAnswer: boolean | undefined;
    setTimeout(() => {
      timerBeforeAnswer = !answered;
    }, 0);
    const r = await h.call('list_executions', { stateMachineArn: smArn('Quick'), pageSize: 1, maxItems: 1000 });
    answered = true;
    expect(r.isError, r.text).toBeUndefined();
    expect((r.structured?.executions as unknown[]).length).toBeGreaterThan(0);
    expect(r.structured?.pagesFetched).toBeGreaterThan(20);
    expect(timerBeforeAnswer).toBe(true);
  });

  it('does not carry out a request whose call was cancelled', async () => {
    const sfn = await engine.sfnBackend();
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(sfn.listExecutions({ stateMachineArn: smArn('Quick') }, cancelled.signal)).rejects.toMatchObject({ name: 'AbortError' });
    await expect(sfn.startExecution({ stateMachineArn: smArn('Quick'), name: 'never' }, cancelled.signal)).rejects.toMatchObject({ name: 'AbortError' });
    const described = await h.call('describe_execution', { executionArn: smArn('Quick').replace(':stateMachine:', ':execution:') + ':never' });
    expect(described.text).toMatch(/ExecutionDoesNotExist/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecution, type RawExecution } from '../fakes/ona.js';
import { onaEnv, type OnaEnv } from './env.js';

/**
 * The session an execution ran in is what start_agent_execution's sessionId continues. Ona puts it
 * in spec.session and status.session (backend-apis §5.4); newer versions also in metadata.sessionId.
 * The tools read only metadata.sessionId, and no text showed it.
 */

type Json = Record<string, unknown>;

/** An execution whose session is only where `where` puts it. */
function withSession(i: number, where: Partial<Record<'spec' | 'status' | 'metadata', string>>): RawExecution {
  const e = makeExecution(i);
  e.id = `ses-case-${i}`;
  delete e.spec.session;
  delete e.status.session;
  delete e.metadata.sessionId;
  if (where.spec) e.spec.session = where.spec;
  if (where.status) e.status.session = where.status;
  if (where.metadata) e.metadata.sessionId = where.metadata;
  return e;
}

describe('the session of an agent execution', () => {
  let env: OnaEnv;
  const cases = [
    withSession(0, { spec: 'ses-spec-0', status: 'ses-spec-0' }),
    withSession(1, { status: 'ses-status-1' }),
    withSession(2, { metadata: 'ses-meta-2' }),
    withSession(3, {}),
  ];

  beforeAll(async () => {
    env = await onaEnv({ executions: structuredClone(cases), writes: true });
  });
  afterAll(async () => {
    await env.close();
  });

  it.each([
    ['spec.session', 'ses-case-0', 'ses-spec-0'],
    ['status.session, while spec has none', 'ses-case-1', 'ses-status-1'],
    ['metadata.sessionId (newer API versions), when spec and status have none', 'ses-case-2', 'ses-meta-2'],
  ])('is read from %s and shown by get_agent_execution, in structuredContent and the text', async (_where, id, session) => {
    const got = await env.harness.call('get_agent_execution', { agentExecutionId: id });
    expect(got.isError, got.text).toBeUndefined();
    expect(got.structured).toMatchObject({ sessionId: session });
    expect(got.text).toMatch(new RegExp(`^agent=\\S+ {2}creator=\\S+ {2}session=${session} {2}`, 'm'));
  });

  it('is on every list item and line that has one', async () => {
    const listed = await env.harness.call('list_agent_executions', {});
    const items = listed.structured?.agentExecutions as Json[];
    expect(items.map((i) => [i.id, i.sessionId])).toEqual([
      ['ses-case-0', 'ses-spec-0'],
      ['ses-case-1', 'ses-status-1'],
      ['ses-case-2', 'ses-meta-2'],
      ['ses-case-3', undefined],
    ]);
    const lines = listed.text.split('\n');
    expect(lines.find((l) => l.startsWith('ses-case-0 '))).toContain('  session=ses-spec-0');
    expect(lines.find((l) => l.startsWith('ses-case-1 '))).toContain('  session=ses-status-1');
    expect(lines.find((l) => l.startsWith('ses-case-3 '))).not.toContain('session=');
  });

  it('is left out when the query named exactly that one session (it would repeat on every item)', async () => {
    const one = await env.harness.call('list_agent_executions', { sessionIds: ['ses-status-1'] });
    expect(one.structured?.agentExecutions).toEqual([expect.not.objectContaining({ sessionId: expect.anything() })]);
    expect(one.text).not.toContain('session=');
    const two = await env.harness.call('list_agent_executions', { sessionIds: ['ses-status-1', 'ses-meta-2'] });
    expect((two.structured?.agentExecutions as Json[]).map((i) => i.sessionId)).toEqual(['ses-status-1', 'ses-meta-2']);
  });

  it('is what start_agent_execution takes to continue the session', async () => {
    const got = await env.harness.call('get_agent_execution', { agentExecutionId: 'ses-case-1' });
    const started = await env.harness.call('start_agent_execution', { sessionId: got.structured?.sessionId });
    expect(started.isError, started.text).toBeUndefined();
    expect(env.fake.requests.at(-1)).toMatchObject({ method: 'StartAgent', body: { sessionId: 'ses-status-1' } });
  });
});

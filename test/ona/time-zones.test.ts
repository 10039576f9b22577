import { onaTimeMs } from '../../src/tools/ona/views.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecution, type RawExecution } from '../fakes/ona.js';
import { onaEnv, type OnaEnv } from './env.js';

/**
 * An Ona timestamp without an offset is UTC (README), whatever the server's time zone: read with
 * Date.parse it was local time, so under Asia/Kolkata (UTC+5:30) "10:00:00" became 04:30Z.
 */

const ZONE = 'Asia/Kolkata';

/** Executions whose times carry no offset (and one with an offset of its own), newest first. */
function executions(): RawExecution[] {
  const at = (i: number, createdAt: string, change: (e: RawExecution) => void = () => undefined): RawExecution => {
    const e = makeExecution(i);
    e.id = `tz-${i}`;
    e.metadata.createdAt = createdAt;
    change(e);
    return e;
  };
  return [
    at(0, '2026-08-01T10:00:00', (e) => {
      e.metadata.updatedAt = '2026-08-01T10:05:00.25';
      e.status.phase = 'PHASE_WAITING_FOR_INPUT';
      e.status.waitingInfo = { waitingSince: '2026-08-01 10:04' };
    }),
    at(1, '2026-08-01T09:00:00'),
    at(2, '2026-08-01T13:30:00+05:30'),
    at(3, '2026-08-01T07:00:00'),
  ];
}

describe(`Ona timestamps without an offset, on a server in ${ZONE}`, () => {
  let env: OnaEnv;
  let zoneBefore: string | undefined;

  beforeAll(async () => {
    zoneBefore = process.env.TZ;
    process.env.TZ = ZONE;
    env = await onaEnv({ executions: executions() });
  });
  afterAll(async () => {
    await env.close();
    if (zoneBefore === undefined) delete process.env.TZ;
    else process.env.TZ = zoneBefore;
  });

  it('the process really is in that zone (else this file proves nothing)', () => {
    expect(new Date(Date.UTC(2026, 7, 1)).getTimezoneOffset()).toBe(-330);
  });

  it('a date that does not exist is no timestamp (Date.parse would roll it over)', () => {
    expect(onaTimeMs('2026-02-30T10:00:00Z')).toBeUndefined();
    expect(onaTimeMs('2026-08-01T24:00:00Z')).toBeUndefined();
    expect(onaTimeMs('2026-02-28T10:00:00')).toBe(Date.UTC(2026, 1, 28, 10));
  });

  it('get_agent_execution reads created, updated and waiting-since as UTC', async () => {
    const got = await env.harness.call('get_agent_execution', { agentExecutionId: 'tz-0' });
    expect(got.structured).toMatchObject({
      createdAt: '2026-08-01T10:00:00.000Z',
      updatedAt: '2026-08-01T10:05:00.250Z',
      waitingSince: '2026-08-01T10:04:00.000Z',
    });
    expect(got.text).toMatch(/^created 2026-08-01T10:00:00Z {2}updated 2026-08-01T10:05:00Z {2}waiting since 2026-08-01T10:04:00Z$/m);
  });

  it('list_agent_executions shows them as UTC, and an offset that is given still counts', async () => {
    const listed = await env.harness.call('list_agent_executions', {});
    const items = listed.structured?.agentExecutions as Array<{ id: string; createdAt: string }>;
    expect(items.map((i) => [i.id, i.createdAt])).toEqual([
      ['tz-0', '2026-08-01T10:00:00.000Z'],
      ['tz-1', '2026-08-01T09:00:00.000Z'],
      ['tz-2', '2026-08-01T08:00:00.000Z'],
      ['tz-3', '2026-08-01T07:00:00.000Z'],
    ]);
    expect(listed.text).toMatch(/^tz-0 .* created 2026-08-01T10:00:00Z /m);
  });

  it('createdAfter/createdBefore compare the UTC instants', async () => {
    // Read as local time (5:30 earlier), tz-1 fell before the window: only tz-2 was listed.
    const listed = await env.harness.call('list_agent_executions', { createdAfter: '2026-08-01T07:30:00Z', createdBefore: '2026-08-01T09:30:00Z' });
    expect((listed.structured?.agentExecutions as Array<{ id: string }>).map((i) => i.id)).toEqual(['tz-1', 'tz-2']);
  });
});

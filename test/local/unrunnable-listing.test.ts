import { describe, expect, it } from 'vitest';
import { smArn, useLocalTools } from './helpers.js';

/**
 * AWS refuses an invalid definition when it is created, so it never shows in a listing. A local one
 * is listed; list_state_machines says on its first call which ones cannot run, and why, so an agent
 * does not pick one only to have start_execution refuse it.
 */

const { call } = useLocalTools(
  {
    Good: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
    // Caught by the validator, which runs in the background after start.
    NoResource: { StartAt: 'A', States: { A: { Type: 'Task', End: true } } },
    // Refused as unsupported by the embedded engine.
    Jsonata: { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
  },
  undefined,
  { 'Broken.asl.json': '{ "StartAt": ' },
);

describe('list_state_machines on the embedded engine', () => {
  it('lists every loaded machine and notes, on its first call, those that cannot run and the file not loaded', async () => {
    const r = await call('list_state_machines', { maxItems: 2 });
    expect(r.isError).toBeUndefined();
    const names = (r.structured?.stateMachines as Array<{ name: string }>).map((m) => m.name);
    expect(names).toEqual(['Good', 'Jsonata']);
    const notes = r.text.split('\n').filter((line) => line.startsWith('Note: '));
    // Reasons come from the files, fenced as untrusted text like the listing's odd names.
    const fenced = (text: string) => `reason: <untrusted-data-(\\w+)>${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</untrusted-data-\\1>`;
    expect(notes).toHaveLength(3);
    expect(notes[0]).toMatch(new RegExp(`^Note: Broken\\.asl\\.json was not loaded, so no state machine Broken is listed: ${fenced('not valid JSON (Unexpected end of JSON input)')}\\. Fix the file and restart the server\\.$`));
    expect(notes[1]).toMatch(/^Note: local state machine Jsonata cannot run, start_execution refuses it: reason: <untrusted-data-\w+>QueryLanguage "JSONata" is not supported by the embedded engine [^\n]*\(Jsonata\.asl\.json\)<\/untrusted-data-\w+>\. Fix the file and restart the server\.$/);
    expect(notes[2]).toMatch(
      new RegExp(`^Note: local state machine NoResource cannot run, start_execution refuses it: ${fenced('Invalid State Machine Definition: Task state "A" has no Resource, which a Task state must have (/States/A) (NoResource.asl.json)')}\\. Fix the file and restart the server\\.$`),
    );

    // Said once per listing: the continuation lists the rest without repeating the notes.
    const next = await call('list_state_machines', { maxItems: 2, startingToken: r.structured?.nextToken });
    expect((next.structured?.stateMachines as Array<{ name: string }>).map((m) => m.name)).toEqual(['NoResource']);
    expect(next.text).not.toContain('Note:');
  });

  it('start_execution refuses a machine the note named, and starts one it did not', async () => {
    const good = await call('start_execution', { stateMachineArn: smArn('Good'), name: 'ok' });
    expect(good.isError, good.text).toBeUndefined();
    const refused = await call('start_execution', { stateMachineArn: smArn('NoResource'), name: 'no' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('Task state "A" has no Resource, which a Task state must have');
  });
});

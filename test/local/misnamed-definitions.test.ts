import { describe, expect, it } from 'vitest';
import { smArn, useLocalTools } from './helpers.js';

/**
 * Only *.asl.json files are loaded. A definition in a plain .json file, or in YAML (as SAM projects
 * often keep them), is named in the listing's note and at start with what to do, not passed over.
 */

const PASS = { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };

const { call } = useLocalTools({ Good: PASS }, undefined, {
  'Plain.json': JSON.stringify(PASS),
  // Data files beside the definitions (sample inputs) are none of the engine's business.
  'sample-input.json': '{"orderId": 1}',
  'notes.json': 'not json',
  'Yamly.asl.yaml': 'StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n',
  // Loaded under this name already: its .json twin is not a missing machine.
  'Good.json': JSON.stringify(PASS),
});

describe('definitions in files the engine does not load', () => {
  it('are noted with what to do; other .json files are not', async () => {
    const r = await call('list_state_machines');
    expect((r.structured?.stateMachines as Array<{ name: string }>).map((m) => m.name)).toEqual(['Good']);
    const notes = r.text.split('\n').filter((line) => line.startsWith('Note: '));
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(
      /^Note: Plain\.json was not loaded, so no state machine Plain is listed: reason: <untrusted-data-(\w+)>it holds a state machine definition, but only \*\.asl\.json files are loaded; rename it to Plain\.asl\.json<\/untrusted-data-\1>\. Fix the file and restart the server\.$/,
    );
    expect(notes[1]).toMatch(/^Note: Yamly\.asl\.yaml was not loaded, so no state machine Yamly is listed: reason: <untrusted-data-(\w+)>definitions are read as JSON only \(\*\.asl\.json\); convert it to Yamly\.asl\.json<\/untrusted-data-\1>/);
    expect(r.text).not.toMatch(/sample-input|notes\.json|Good\.json/);
  });

  it("a call on the machine's would-be ARN says why it does not exist", async () => {
    const r = await call('start_execution', { stateMachineArn: smArn('Plain'), name: 'x' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('Plain.json was skipped at load: it holds a state machine definition, but only *.asl.json files are loaded; rename it to Plain.asl.json');
  });
});

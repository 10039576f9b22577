import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEngine, type LocalEngineHandle } from '../../src/local/index.js';
import { setQuiet } from '../../src/log.js';
import { testConfig } from '../helpers/config.js';
import { connect, type Harness } from '../helpers/harness.js';
import { fixtureDir, smArn } from './helpers.js';

/**
 * Only *.asl.json files are loaded. A definition in a plain .json file, or in YAML (as SAM projects
 * often keep them), is named in the listing's note and at start with what to do, not passed over.
 */

const PASS = { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };

let engine: LocalEngineHandle;
let h: Harness;
let fixture: ReturnType<typeof fixtureDir>;

beforeAll(async () => {
  setQuiet(true);
  fixture = fixtureDir({ Good: PASS });
  writeFileSync(join(fixture.dir, 'Plain.json'), JSON.stringify(PASS));
  // Data files beside the definitions (sample inputs) are none of the engine's business.
  writeFileSync(join(fixture.dir, 'sample-input.json'), '{"orderId": 1}');
  writeFileSync(join(fixture.dir, 'notes.json'), 'not json');
  writeFileSync(join(fixture.dir, 'Yamly.asl.yaml'), 'StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n');
  // Loaded under this name already: its .json twin is not a missing machine.
  writeFileSync(join(fixture.dir, 'Good.json'), JSON.stringify(PASS));
  const config = testConfig(['--local', fixture.dir, '--allow-writes']);
  engine = await startLocalEngine(config);
  h = await connect(config, { sfn: engine.sfnBackend });
});

afterAll(async () => {
  await h.close();
  await engine.close();
  fixture.remove();
});

describe('definitions in files the engine does not load', () => {
  it('are noted with what to do; other .json files are not', async () => {
    const r = await h.call('list_state_machines');
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
    const r = await h.call('start_execution', { stateMachineArn: smArn('Plain'), name: 'x' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('Plain.json was skipped at load: it holds a state machine definition, but only *.asl.json files are loaded; rename it to Plain.asl.json');
  });
});

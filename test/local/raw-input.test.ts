import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { detailsOf, fullHistory, smArn, useLocalMachines, waitForStatus } from './helpers.js';

/**
 * An execution's input as submitted: the library parses it into doubles, but the execution reports
 * one input, the string it was given, in DescribeExecution and in its history alike.
 */

const { client } = useLocalMachines({ echo: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } });

// Beyond 2^53, beyond a double's range, below its smallest value, and a trailing zero and spacing.
const INPUT = '{"id": 9007199254740993, "big": 12345678901234567890, "f": 1.10, "e": 1e400, "tiny": 1e-400}';

describe('execution input beyond double precision', () => {
  it('ExecutionStarted holds the input exactly as submitted, as DescribeExecution does', async () => {
    const { executionArn = '' } = await client().send(new StartExecutionCommand({ stateMachineArn: smArn('echo'), input: INPUT }));
    const description = await waitForStatus(client(), executionArn);
    expect(description.status).toBe('SUCCEEDED');
    expect(description.input).toBe(INPUT);
    const events = await fullHistory(client(), executionArn);
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(detailsOf(events[0]).input).toBe(INPUT);
    // State data is the library's parsed value: rounded, as the README says.
    expect(description.output).toBe('{"id":9007199254740992,"big":12345678901234567000,"f":1.1,"e":null,"tiny":0}');
  });
});

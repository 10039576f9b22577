/**
 * The Step Functions fake in a process of its own, so the direct SFNClient baseline and the MCP
 * server both reach it across a process boundary, as they would a real endpoint. Without this the
 * baseline shares an event loop with the fake and skips the hop every tool call must make.
 * Run as a child: answers `{ id, method, args }` messages by calling the FakeSfn method.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildHistory, startFakeSfn, type FakeSfn, type HistoryOptions } from '../test/fakes/sfn.js';

interface Call {
  id: number;
  method: string;
  args: unknown[];
}

/** What the bench may ask of the remote fake (all seeding; nothing here is on a timed path). */
export interface RemoteFake {
  url: string;
  addStateMachine(name: string): Promise<string>;
  addExecutions(machine: string, count: number): Promise<void>;
  addExecution(e: { stateMachineArn: string; name: string; status: string; startDate: number; stopDate: number }): Promise<{ executionArn: string }>;
  setBuiltHistory(executionArn: string, opts: HistoryOptions): Promise<void>;
  setLatency(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRemoteFake(): Promise<RemoteFake> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  child.on('message', (m: { id: number; result?: unknown; url?: string }) => pending.get(m.id)?.(m.result ?? m.url));
  const call = (method: string, ...args: unknown[]): Promise<unknown> =>
    new Promise((resolve) => {
      nextId += 1;
      pending.set(nextId, resolve);
      child.send({ id: nextId, method, args } satisfies Call);
    });
  const url = (await call('url')) as string;
  return {
    url,
    addStateMachine: async (name) => (await call('addStateMachine', name)) as string,
    addExecutions: async (machine, count) => void (await call('addExecutions', machine, count)),
    addExecution: async (e) => (await call('addExecution', e)) as { executionArn: string },
    setBuiltHistory: async (arn, opts) => void (await call('setBuiltHistory', arn, opts)),
    setLatency: async (ms) => void (await call('setLatency', ms)),
    close: async () => {
      await call('close');
      child.disconnect();
    },
  };
}

async function serveChild(): Promise<void> {
  const fake: FakeSfn = await startFakeSfn();
  process.on('message', (m: Call) => {
    void (async () => {
      let result: unknown;
      if (m.method === 'url') result = fake.url;
      else if (m.method === 'setBuiltHistory') fake.setHistory(m.args[0] as string, buildHistory(m.args[1] as HistoryOptions));
      else if (m.method === 'setLatency') fake.latencyMs = m.args[0] as number;
      else if (m.method === 'addExecutions') fake.addExecutions(m.args[0] as string, m.args[1] as number);
      else if (m.method === 'close') await fake.close();
      else if (m.method === 'addStateMachine') result = fake.addStateMachine(m.args[0] as string);
      else if (m.method === 'addExecution') result = { executionArn: fake.addExecution(m.args[0] as Parameters<FakeSfn['addExecution']>[0]).executionArn };
      process.send?.({ id: m.id, result });
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[2] === '--child') await serveChild();

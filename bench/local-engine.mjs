#!/usr/bin/env node
// Embedded Step Functions engine figures: start time, executions per second for a Pass-only
// machine, memory per 10,000 stored executions, time to validate a directory of 1,000 definitions. Run by `npm run bench` (imports the modules it
// compiles to .bench-dist/, since dist/ holds the bundled CLI only);
// `node --expose-gc bench/local-engine.mjs` gives exact memory figures.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { loadConfig } from '../.bench-dist/src/config.js';
import { startLocalEngine } from '../.bench-dist/src/local/index.js';
import { setQuiet } from '../.bench-dist/src/log.js';

setQuiet(true);
const examples = fileURLToPath(new URL('../examples', import.meta.url));
const gc = globalThis.gc ?? (() => {});
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const configFor = (dir) => {
  const r = loadConfig(['--local', dir], { AWS_REGION: 'us-east-1' });
  if (r.kind !== 'run') throw new Error('bad config');
  return r.config;
};
const clientFor = (engine) =>
  new SFNClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
    requestHandler: engine.requestHandler,
  });

// 1. Start time: load the examples, ready to answer; then the first execution (library import + validation).
let t = performance.now();
const examplesEngine = await startLocalEngine(configFor(examples));
const startMs = performance.now() - t;
const exClient = clientFor(examplesEngine);
t = performance.now();
await exClient.send(
  new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:order-processing', input: '{"orderId":"b","items":[{"sku":"a","qty":1,"price":1}]}' }),
);
const firstStartMs = performance.now() - t;
exClient.destroy();
await examplesEngine.close();

// 2 + 3. A Pass-only machine: throughput through the real SFNClient (in process), then memory.
const dir = mkdtempSync(join(tmpdir(), 'local-engine-bench-'));
writeFileSync(
  join(dir, 'PassOnly.asl.json'),
  JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Result: { ok: true }, ResultPath: '$.b', Next: 'C' }, C: { Type: 'Pass', End: true } } }),
);
const engine = await startLocalEngine(configFor(dir));
const client = clientFor(engine);
const stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:PassOnly';

async function runBatch(count, concurrency = 50) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      await client.send(new StartExecutionCommand({ stateMachineArn, input: `{"orderId":"o-${next}","amount":${next}}` }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  for (;;) {
    const running = await client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1 }));
    if ((running.executions ?? []).length === 0) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

await runBatch(500); // warm-up
const before = heap();
t = performance.now();
await runBatch(10_000);
const seconds = (performance.now() - t) / 1000;
const after = heap();
client.destroy();
await engine.close();
rmSync(dir, { recursive: true, force: true });

// 4. Validating a directory of 1,000 definitions (each distinct), as the first list_state_machines waits for.
const manyDir = mkdtempSync(join(tmpdir(), 'local-engine-bench-many-'));
for (let i = 0; i < 1000; i += 1) {
  const definition = {
    Comment: `machine ${i}`,
    StartAt: 'Check',
    States: {
      Check: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: i, Next: 'Work' }], Default: 'Done' },
      Work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { 'FunctionName': `fn-${i}`, 'Payload.$': '$' }, Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }], Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };
  writeFileSync(join(manyDir, `m${i}.asl.json`), JSON.stringify(definition));
}
t = performance.now();
const manyEngine = await startLocalEngine(configFor(manyDir));
const manyBackend = await manyEngine.sfnBackend();
const checked = await manyBackend.unrunnableDefinitions(new AbortController().signal);
const validateMs = performance.now() - t;
await manyEngine.close();
rmSync(manyDir, { recursive: true, force: true });
if (checked.unchecked !== 0 || checked.found.length !== 0) throw new Error(`expected 1,000 valid definitions, got ${JSON.stringify(checked).slice(0, 300)}`);

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
console.log('local engine (aws-local-stepfunctions 3.0.0)');
console.log(`  engine start (examples/, ready to serve):     ${startMs.toFixed(1)} ms`);
console.log(`  first StartExecution (library load, validate): ${firstStartMs.toFixed(1)} ms`);
console.log(`  executions/s, Pass-only (3 states, SFNClient): ${Math.round(10_000 / seconds)}`);
console.log(`  1,000 definitions loaded and validated:       ${validateMs.toFixed(0)} ms`);
console.log(`  memory per 10,000 stored executions:           ${mb(after - before)}${globalThis.gc ? '' : ' (approximate: run with --expose-gc)'}`);

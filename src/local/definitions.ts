import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { INVALID_NAME, executionArnPrefix, stateMachineArn, type ArnScope } from './arns.js';
import { indexStates, isObject, type DefinitionProblem, type JsonObject, type StateInfo } from './states.js';

/** State machines of the definitions directory: every `<name>.asl.json`, read once at start. */

export const DEFINITION_SUFFIX = '.asl.json';

export interface LocalStateMachine {
  name: string;
  arn: string;
  executionArnPrefix: string;
  file: string;
  definitionText: string;
  definition: JsonObject;
  /** File modification time, epoch ms: stands in for the creation date. */
  creationDate: number;
  description: string | undefined;
  states: Map<string, StateInfo>;
  /** Non-empty: StartExecution refuses this machine with these reasons. */
  problems: DefinitionProblem[];
}

export async function loadDefinitions(dir: string, scope: ArnScope, warn: (message: string) => void): Promise<LocalStateMachine[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    throw new Error(`cannot read the --local directory ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const machines: LocalStateMachine[] = [];
  for (const entry of entries.filter((e) => e.endsWith(DEFINITION_SUFFIX)).sort()) {
    const name = entry.slice(0, -DEFINITION_SUFFIX.length);
    const file = join(dir, entry);
    if (name.length < 1 || name.length > 80 || INVALID_NAME.test(name)) {
      warn(`${file}: "${name}" is not a valid state machine name (1-80 characters, no whitespace or special characters); skipped`);
      continue;
    }
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      warn(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)}); skipped`);
      continue;
    }
    if (!isObject(parsed)) {
      warn(`${file}: a definition must be a JSON object; skipped`);
      continue;
    }
    const { states, problems } = indexStates(parsed);
    for (const p of problems) warn(`${file}: ${p.message}; StartExecution will be refused`);
    machines.push({
      name,
      arn: stateMachineArn(scope, name),
      executionArnPrefix: executionArnPrefix(scope, name),
      file,
      definitionText: text,
      definition: parsed,
      creationDate: Math.floor(info.mtimeMs),
      description: typeof parsed.Comment === 'string' ? parsed.Comment : undefined,
      states,
      problems,
    });
  }
  if (machines.length === 0) warn(`no *${DEFINITION_SUFFIX} state machines found in ${dir}`);
  return machines;
}

import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { INVALID_NAME, executionArnPrefix, stateMachineArn, type ArnScope } from './arns.js';
import { isObject, type JsonObject } from './json.js';
import { indexStates, type DefinitionProblem, type StateInfo } from './states.js';

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
  states: Map<string, StateInfo>;
  /** Non-empty: StartExecution refuses this machine with these reasons. */
  problems: DefinitionProblem[];
}

/** A `<name>.asl.json` that is not served, and why: API errors on its ARN say so. */
export interface SkippedDefinition {
  /** The file name, without the directory. */
  file: string;
  reason: string;
}

export interface LoadedDefinitions {
  machines: LocalStateMachine[];
  /** By state machine name. */
  skipped: Map<string, SkippedDefinition>;
}

const MAX_REASON = 200;
const short = (text: string): string => {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_REASON ? `${oneLine.slice(0, MAX_REASON - 1)}…` : oneLine;
};
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function loadDefinitions(dir: string, scope: ArnScope, warn: (message: string) => void): Promise<LoadedDefinitions> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    throw new Error(`cannot read the --local directory ${dir}: ${messageOf(err)}`);
  }
  const machines: LocalStateMachine[] = [];
  const skipped = new Map<string, SkippedDefinition>();
  for (const entry of entries.filter((e) => e.endsWith(DEFINITION_SUFFIX)).sort()) {
    const name = entry.slice(0, -DEFINITION_SUFFIX.length);
    const file = join(dir, entry);
    const skip = (reason: string) => {
      skipped.set(name, { file: entry, reason: short(reason) });
      warn(`${file}: ${reason}; skipped`);
    };
    if (name.length < 1 || name.length > 80 || INVALID_NAME.test(name)) {
      skip(`"${name}" is not a valid state machine name (1-80 characters, no whitespace or special characters)`);
      continue;
    }
    let text: string;
    let mtimeMs: number;
    try {
      const [content, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
      text = content;
      mtimeMs = info.mtimeMs;
    } catch (err) {
      skip(`cannot be read (${messageOf(err)})`);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      skip(`not valid JSON (${messageOf(err)})`);
      continue;
    }
    if (!isObject(parsed)) {
      skip('a definition must be a JSON object');
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
      creationDate: Math.floor(mtimeMs),
      states,
      problems,
    });
  }
  if (machines.length === 0) warn(`no *${DEFINITION_SUFFIX} state machines found in ${dir}`);
  return { machines, skipped };
}

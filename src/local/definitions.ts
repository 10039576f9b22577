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
  for (const [name, reason] of await misnamedDefinitions(dir, entries)) {
    if (skipped.has(name) || machines.some((m) => m.name === name)) continue;
    skipped.set(name, { file: reason.file, reason: short(reason.text) });
    warn(`${join(dir, reason.file)}: ${reason.text}; skipped`);
  }
  if (machines.length === 0) warn(`no *${DEFINITION_SUFFIX} state machines found in ${dir}`);
  return { machines, skipped };
}

const YAML_DEFINITION = /^(.+)\.asl\.ya?ml$/;
const PLAIN_JSON = /^(.+)\.json$/;
/** Plain .json files looked into, and how big: a directory of data files is not read whole. */
const MAX_PEEKED = 100;
const MAX_PEEK_BYTES = 1024 * 1024;

/**
 * Files meant as definitions that are not loaded (YAML, or a definition in a plain .json), by the
 * name they would have had: said so at start and in list_state_machines, not passed over in silence.
 */
async function misnamedDefinitions(dir: string, entries: string[]): Promise<Map<string, { file: string; text: string }>> {
  const found = new Map<string, { file: string; text: string }>();
  let peeked = 0;
  for (const entry of [...entries].sort()) {
    if (entry.endsWith(DEFINITION_SUFFIX)) continue;
    const yaml = YAML_DEFINITION.exec(entry);
    if (yaml?.[1]) {
      found.set(yaml[1], { file: entry, text: `definitions are read as JSON only (*${DEFINITION_SUFFIX}); convert it to ${yaml[1]}${DEFINITION_SUFFIX}` });
      continue;
    }
    const json = PLAIN_JSON.exec(entry);
    if (!json?.[1] || peeked >= MAX_PEEKED) continue;
    peeked += 1;
    try {
      const file = join(dir, entry);
      if ((await stat(file)).size > MAX_PEEK_BYTES) continue;
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      if (isObject(parsed) && 'StartAt' in parsed && 'States' in parsed) {
        found.set(json[1], { file: entry, text: `it holds a state machine definition, but only *${DEFINITION_SUFFIX} files are loaded; rename it to ${json[1]}${DEFINITION_SUFFIX}` });
      }
    } catch {
      // Not a definition (unreadable, or not JSON): other data files are none of the engine's business.
    }
  }
  return found;
}

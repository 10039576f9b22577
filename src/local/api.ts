import { randomUUID } from 'node:crypto';
import { checkMemberTypes } from './api-members.js';
import { INVALID_NAME, arnResourceType, parseExecutionArn, parseStateMachineArn, type ArnScope } from './arns.js';
import type { LocalStateMachine } from './definitions.js';
import type { LocalEngine } from './engine.js';
import { ApiError, UNSUPPORTED, notSupported, validation } from './errors.js';
import type { WireEvent } from './history.js';
import type { ExecutionRecord } from './store.js';
import { isStepFunctionsOperation } from './operations.js';
import { TokenCodec } from './tokens.js';

/** The Step Functions JSON 1.0 operations the embedded engine serves. Dates leave as epoch seconds. */

type Body = Record<string, unknown>;
type Operation = (body: Body) => Promise<Body> | Body;

const MAX_INPUT = 262_144;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
const seconds = (ms: number): number => ms / 1000;

/** Arrays and objects inside one another, as deep as an input may go here (a 5,000-deep one overflowed the library's stack). */
const MAX_INPUT_DEPTH = 1000;

/** The deepest nesting of arrays and objects in a JSON text, counted without recursion. */
function nestingDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i += 1) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, (depth += 1));
    else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return deepest;
}

function includedData(b: Body): 'ALL_DATA' | 'METADATA_ONLY' {
  if (b.includedData === undefined || b.includedData === 'ALL_DATA') return 'ALL_DATA';
  if (b.includedData === 'METADATA_ONLY') return 'METADATA_ONLY';
  throw validation('includedData', b.includedData, 'Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]');
}

/** In the JSON protocol a member sent as null is a member not sent. */
function withoutNulls(body: Body): Body {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
}

export interface ApiResponse {
  status: number;
  body: string;
  requestId: string;
}

export class SfnApi {
  private readonly tokens: TokenCodec;
  private readonly operations: Record<string, Operation>;

  constructor(
    private readonly engine: LocalEngine,
    private readonly scope: ArnScope,
    private readonly roleArn: string,
    now: () => number,
  ) {
    this.tokens = new TokenCodec(now);
    this.operations = {
      ListStateMachines: (b) => this.listStateMachines(b),
      DescribeStateMachine: (b) => this.describeStateMachine(b),
      DescribeStateMachineForExecution: (b) => this.describeStateMachineForExecution(b),
      StartExecution: (b) => this.startExecution(b),
      StopExecution: (b) => this.stopExecution(b),
      DescribeExecution: (b) => this.describeExecution(b),
      ListExecutions: (b) => this.listExecutions(b),
      GetExecutionHistory: (b) => this.getExecutionHistory(b),
      RedriveExecution: (b) => this.redriveExecution(b),
      ListTagsForResource: (b) => this.listTagsForResource(b),
      ListActivities: (b) => this.listActivities(b),
    };
  }

  /** `target` is the x-amz-target header; the body is the raw request text. Never throws. */
  async dispatch(target: string | undefined, bodyText: string): Promise<ApiResponse> {
    const requestId = randomUUID();
    const reply = (status: number, body: unknown): ApiResponse => ({ status, body: JSON.stringify(body), requestId });
    try {
      const op = target?.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : undefined;
      const handler = op !== undefined && Object.hasOwn(this.operations, op) ? this.operations[op] : undefined;
      if (!handler || op === undefined) {
        if (op === undefined || !isStepFunctionsOperation(op)) throw new ApiError('UnknownOperationException', `Unknown operation: ${(target ?? '(no X-Amz-Target)').slice(0, 200)}`);
        throw notSupported(`Operation ${op}`);
      }
      let body: unknown;
      try {
        body = bodyText.trim() === '' ? {} : JSON.parse(bodyText);
      } catch {
        throw new ApiError('SerializationException', 'Request body is not valid JSON');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('SerializationException', 'Request body must be a JSON object');
      const members = withoutNulls(body as Body);
      checkMemberTypes(op, members);
      return reply(200, await handler(members));
    } catch (err) {
      if (err instanceof ApiError) return reply(err.status, { ...err.members, __type: err.code, message: err.message });
      return reply(500, { __type: 'InternalFailure', message: `internal error in the embedded engine: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  private listStateMachines(b: Body): Body {
    const max = pageSize(b.maxResults);
    const machines = [...this.engine.machines.values()];
    const start = b.nextToken === undefined ? 0 : this.tokens.read('ListStateMachines', '', b.nextToken, 1024);
    const page = machines.slice(start, start + max);
    const next = start + page.length;
    return {
      stateMachines: page.map((m) => ({ stateMachineArn: m.arn, name: m.name, type: 'STANDARD', creationDate: seconds(m.creationDate) })),
      nextToken: next < machines.length ? this.tokens.issue('ListStateMachines', '', next) : undefined,
    };
  }

  private describeStateMachine(b: Body): Body {
    const metadataOnly = includedData(b) === 'METADATA_ONLY';
    const sm = this.machine(b.stateMachineArn);
    return {
      stateMachineArn: sm.arn,
      name: sm.name,
      status: 'ACTIVE',
      definition: metadataOnly ? undefined : sm.definitionText,
      roleArn: this.roleArn,
      type: 'STANDARD',
      creationDate: seconds(sm.creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  /** The definition an execution runs: the engine loads each definition once, so it is its machine's. */
  private describeStateMachineForExecution(b: Body): Body {
    const metadataOnly = includedData(b) === 'METADATA_ONLY';
    const sm = this.execution(b.executionArn).machine;
    return {
      stateMachineArn: sm.arn,
      name: sm.name,
      definition: metadataOnly ? undefined : sm.definitionText,
      roleArn: this.roleArn,
      // Never updated while loaded: the date it has is the definition file's.
      updateDate: seconds(sm.creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  /** The engine's state machines have no tags. Only state machines and activities have any in AWS: another ARN is ResourceNotFound. */
  private listTagsForResource(b: Body): Body {
    const arn = b.resourceArn;
    const name = arnResourceType(arn, 'resourceArn') === 'stateMachine' ? parseStateMachineArn(this.scope, arn, 'resourceArn') : undefined;
    if (name === undefined || !this.engine.machines.has(name)) {
      throw new ApiError('ResourceNotFound', `Resource not found: '${String(arn)}'${this.skippedWhy(name)}`, 400, { resourceName: String(arn) });
    }
    return { tags: [] };
  }

  /** The engine has no activities. */
  private listActivities(b: Body): Body {
    pageSize(b.maxResults);
    // No page of this list ever has a token, so any token given is one this engine did not issue.
    if (b.nextToken !== undefined) this.tokens.read('ListActivities', '', b.nextToken, 1024);
    return { activities: [] };
  }

  private async startExecution(b: Body): Promise<Body> {
    // Member constraints first, as the service checks them before it looks anything up.
    const name = b.name === undefined ? randomUUID() : b.name;
    if (typeof name !== 'string' || name.length < 1 || codePoints(name) > 80) {
      throw validation('name', name, 'Member must have length between 1 and 80');
    }
    const input = b.input === undefined ? '{}' : b.input;
    if (typeof input !== 'string' || input.length > MAX_INPUT) {
      throw validation('input', typeof input === 'string' ? '…' : input, `Member must have length less than or equal to ${MAX_INPUT}`);
    }
    if (b.traceHeader !== undefined && (typeof b.traceHeader !== 'string' || codePoints(b.traceHeader) > 256)) {
      throw validation('traceHeader', b.traceHeader, 'Member must have length less than or equal to 256');
    }
    const sm = this.machine(b.stateMachineArn);
    if (INVALID_NAME.test(name)) throw new ApiError('InvalidName', `Invalid Name: '${name}'`);
    // The quota is 256 KiB of UTF-8, which binds before the length check above can.
    if (Buffer.byteLength(input, 'utf8') > MAX_INPUT) {
      throw new ApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: it is ${Buffer.byteLength(input, 'utf8')} bytes of UTF-8; the limit is ${MAX_INPUT}`);
    }
    try {
      JSON.parse(input);
    } catch (err) {
      throw new ApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${err instanceof Error ? err.message : 'not JSON'}'`);
    }
    // Deeper JSON overflows the stack of the engine's library (and of most JSON tools): refused
    // here, it cannot leave an execution that never ends.
    const depth = nestingDepth(input);
    if (depth > MAX_INPUT_DEPTH) {
      throw new ApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: it is nested ${depth} levels deep; the embedded engine runs inputs up to ${MAX_INPUT_DEPTH} levels`);
    }
    const record = await this.engine.start(sm, name, input, b.traceHeader as string | undefined);
    return { executionArn: record.arn, startDate: seconds(record.startDate) };
  }

  private stopExecution(b: Body): Body {
    const error = optionalText(b.error, 'error', 256);
    const cause = optionalText(b.cause, 'cause', 32_768);
    const record = this.execution(b.executionArn);
    // Stopping a closed execution changes nothing and reports when it closed.
    const stopDate = record.control ? record.control.stop(error, cause) : (record.stopDate ?? Date.now());
    return { stopDate: seconds(stopDate) };
  }

  private describeExecution(b: Body): Body {
    const data = includedData(b) !== 'METADATA_ONLY';
    const r = this.execution(b.executionArn);
    return {
      ...listItem(r),
      input: data ? r.input : undefined,
      inputDetails: { included: data },
      output: data ? r.output : undefined,
      outputDetails: r.status === 'SUCCEEDED' ? { included: data } : undefined,
      error: r.error,
      cause: r.cause,
      traceHeader: r.traceHeader,
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Redrive is not supported by the embedded Step Functions engine (local mode)',
    };
  }

  private listExecutions(b: Body): Body {
    // Exactly one of the two, checked before either is looked at, as AWS does.
    if (b.stateMachineArn === undefined && b.mapRunArn === undefined) {
      throw new ApiError('ValidationException', 'Must provide a StateMachine ARN or MapRun ARN', 400);
    }
    if (b.stateMachineArn !== undefined && b.mapRunArn !== undefined) {
      throw new ApiError('ValidationException', 'Must provide either a StateMachine ARN or a MapRun ARN, not both', 400);
    }
    if (b.mapRunArn !== undefined) throw notSupported('Listing the child executions of a Distributed Map run (mapRunArn)');
    const status = b.statusFilter;
    if (status !== undefined && (typeof status !== 'string' || !STATUSES.includes(status))) {
      throw validation('statusFilter', status, `Member must satisfy enum value set: [${STATUSES.join(', ')}]`);
    }
    if (status === 'PENDING_REDRIVE') throw new ApiError('ValidationException', 'statusFilter PENDING_REDRIVE requires a mapRunArn');
    const redrive = b.redriveFilter;
    if (redrive !== undefined && redrive !== 'REDRIVEN' && redrive !== 'NOT_REDRIVEN') {
      throw validation('redriveFilter', redrive, 'Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]');
    }
    const max = pageSize(b.maxResults);
    const sm = this.machine(b.stateMachineArn);
    const fingerprint = `${sm.name}|${String(status ?? '')}|${String(redrive ?? '')}`;
    const list = this.engine.store.list(sm.name);
    // Position = seq of the next (older) execution to look at; new executions never shift it.
    const from = b.nextToken === undefined ? Number.MAX_SAFE_INTEGER : this.tokens.read('ListExecutions', fingerprint, b.nextToken, 3096);
    const executions: Body[] = [];
    let i = lastIndexAtOrBelow(list, from);
    // Nothing is ever redriven locally: REDRIVEN matches nothing, NOT_REDRIVEN everything.
    for (; i >= 0 && executions.length < max && redrive !== 'REDRIVEN'; i -= 1) {
      const r = list[i];
      if (!r || (status !== undefined && r.status !== status)) continue;
      executions.push(listItem(r));
    }
    while (i >= 0 && status !== undefined && list[i]?.status !== status) i -= 1;
    const next = redrive !== 'REDRIVEN' && i >= 0 ? list[i] : undefined;
    return { executions, nextToken: next ? this.tokens.issue('ListExecutions', fingerprint, next.seq) : undefined };
  }

  private getExecutionHistory(b: Body): Body {
    const max = pageSize(b.maxResults);
    const r = this.execution(b.executionArn);
    const reverse = b.reverseOrder === true;
    const includeData = b.includeExecutionData !== false;
    const events = r.history.events(this.engine.store.parsed);
    const fingerprint = `${r.arn}|${reverse}`;
    // Position = id of the next event to return.
    let id = b.nextToken === undefined ? (reverse ? events.length : 1) : this.tokens.read('GetExecutionHistory', fingerprint, b.nextToken, 1024);
    const page: WireEvent[] = [];
    while (page.length < max && id >= 1 && id <= events.length) {
      const e = events[id - 1];
      if (e) page.push(includeData ? e : withoutData(e));
      id += reverse ? -1 : 1;
    }
    const more = id >= 1 && id <= events.length;
    return { events: page, nextToken: more ? this.tokens.issue('GetExecutionHistory', fingerprint, id) : undefined };
  }

  private redriveExecution(b: Body): Body {
    const record = this.execution(b.executionArn);
    throw new ApiError(
      UNSUPPORTED,
      `RedriveExecution is not supported by the embedded Step Functions engine (local mode); start a new execution of ${record.machine.arn} instead`,
    );
  }

  private machine(arn: unknown): LocalStateMachine {
    const name = parseStateMachineArn(this.scope, arn);
    const sm = name === undefined ? undefined : this.engine.machines.get(name);
    if (!sm) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'${this.skippedWhy(name)}`);
    return sm;
  }

  /** Why a state machine of this name is missing, when its file was skipped at load. */
  private skippedWhy(name: string | undefined): string {
    const skipped = name === undefined ? undefined : this.engine.skipped.get(name);
    return skipped ? ` (${skipped.file} was skipped at load: ${skipped.reason})` : '';
  }

  private execution(arn: unknown): ExecutionRecord {
    const parts = parseExecutionArn(this.scope, arn);
    const record = parts && this.engine.store.get(parts[0], parts[1]);
    if (!record) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return record;
  }
}

function pageSize(value: unknown): number {
  if (value === undefined || value === null) return 100;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000) {
    throw validation('maxResults', value, 'Member must have value between 0 and 1000');
  }
  return value === 0 ? 100 : value;
}

function optionalText(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || codePoints(value) > max) throw validation(field, '…', `Member must have length less than or equal to ${max}`);
  return value;
}

/**
 * A member's length as Smithy's length trait measures a string (Unicode scalar values), and as the
 * tools' input schemas do: an emoji is one character, not two UTF-16 units.
 */
function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        count -= 1;
        i += 1;
      }
    }
  }
  return count;
}

function lastIndexAtOrBelow(list: readonly ExecutionRecord[], seq: number): number {
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid]?.seq ?? Infinity) <= seq) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function listItem(r: ExecutionRecord): Body {
  return {
    executionArn: r.arn,
    stateMachineArn: r.machine.arn,
    name: r.name,
    status: r.status,
    startDate: seconds(r.startDate),
    stopDate: r.stopDate === undefined ? undefined : seconds(r.stopDate),
  };
}

const DATA_FIELDS = new Set(['input', 'output']);

/** includeExecutionData=false: the same events without their input and output payloads. */
function withoutData(e: WireEvent): WireEvent {
  const out: WireEvent = { timestamp: e.timestamp, type: e.type, id: e.id, previousEventId: e.previousEventId };
  for (const [key, value] of Object.entries(e)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    out[key] = Object.fromEntries(Object.entries(value).filter(([k]) => !DATA_FIELDS.has(k)));
  }
  return out;
}

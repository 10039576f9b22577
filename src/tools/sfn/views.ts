import * as z from 'zod';
import { unwrapPasted } from '../pasted.js';
import { BackendError, ToolError, withHint } from '../../server/errors.js';
import { stateField as sharedStateField, type NormalisedState } from '../../server/states.js';

/** Shared Step Functions view pieces: normalised state, ARN checks, console links. */

export const stateField = sharedStateField('RUNNING→running, SUCCEEDED→succeeded, FAILED→failed, TIMED_OUT→timed_out, ABORTED→aborted, PENDING_REDRIVE→pending.');

export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

/** A reply's string member, or undefined when the backend sent another type (5 for a status, say). */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A reply's count or id, or undefined when the backend sent anything but a whole number ("5", say). */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export function sfnState(status: string | undefined): NormalisedState {
  switch (status) {
    case 'RUNNING':
      return 'running';
    case 'SUCCEEDED':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'TIMED_OUT':
      return 'timed_out';
    case 'ABORTED':
      return 'aborted';
    default:
      return 'pending';
  }
}

const ARN_KIND_EXAMPLES: Record<string, string> = {
  stateMachine: 'arn:aws:states:REGION:ACCOUNT:stateMachine:NAME',
  execution: 'arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME',
  mapRun: 'arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/MAPSTATE:ID',
};

const ARN_KIND_SOURCES: Record<string, string> = {
  stateMachine: 'call list_state_machines to find state machine ARNs',
  execution: 'call list_executions to find execution ARNs',
  mapRun: 'map run ARNs appear in describe_execution and get_execution_history (MapRunStarted events)',
};

/** Cheap local check that catches names passed where ARNs are expected, before any backend call. */
export function requireArn(field: string, value: string, kind: 'stateMachine' | 'execution' | 'mapRun'): void {
  const parts = value.split(':');
  const isStatesArn = parts.length >= 7 && parts[0] === 'arn' && parts[2] === 'states';
  const kindOk = kind === 'execution' ? parts[5] === 'execution' || parts[5] === 'express' : parts[5] === kind;
  if (!isStatesArn || !kindOk) {
    throw new ToolError(
      `${field} must be a Step Functions ${kind} ARN such as ${ARN_KIND_EXAMPLES[kind]}; got "${value.slice(0, 120)}". Next: ${ARN_KIND_SOURCES[kind]}.`,
    );
  }
}

/** An EXPRESS execution's ARN (":express:"): Step Functions keeps no history of it, and describes only a Map Run's. */
export function isExpressArn(executionArn: string): boolean {
  return executionArn.split(':')[5] === 'express';
}

/**
 * The parent state machine of a labelled ARN, one whose name part holds "/" (…:stateMachine:Orders/MapLabel,
 * …:execution:Orders/MapLabel:…): a Distributed Map's, which names its Map state after the machine (names
 * may not hold "/"). Undefined for any other ARN.
 */
export function parentMachineOf(arn: string): string | undefined {
  const parts = arn.split(':');
  const name = parts[6] ?? '';
  const at = name.indexOf('/');
  // A label names a Map state: a bare trailing "/" is a typing slip, left to the backend to refuse.
  if (parts.length < 7 || at <= 0 || at === name.length - 1) return undefined;
  const parent = [...parts.slice(0, 5), 'stateMachine', name.slice(0, at)].join(':');
  // Messages show it bare: anything but an identifier-like ARN is left to the backend to refuse.
  return BARE_ARN.test(parent) ? parent : undefined;
}

/**
 * StopExecution and RedriveExecution take STANDARD executions only: an EXPRESS one is refused here,
 * before any call. `viaParent` says what the parent's same call does for a Distributed Map's child,
 * `otherwise` what to do for any other EXPRESS execution; `nothingDone` closes the message.
 */
export function refuseExpress(tool: string, operation: string, executionArn: string, texts: { viaParent: string; otherwise: string; nothingDone: string }): void {
  if (!isExpressArn(executionArn)) return;
  const parent = parentMachineOf(executionArn);
  const next = parent
    ? `it is a Distributed Map's child (its ARN names the Map state after a "/"): ${tool} on the parent execution ${texts.viaParent}; list_executions with stateMachineArn=${parent} finds the parent`
    : texts.otherwise;
  throw new ToolError(`${tool} does not support EXPRESS executions (":express:" in the ARN): Step Functions ${operation} takes STANDARD ones only. Next: ${next}. ${texts.nothingDone}`);
}

/** arn:…:stateMachine:NAME:3 (a version) or …:NAME:PROD (an alias) → arn:…:stateMachine:NAME; undefined for an unqualified ARN. */
export function unqualifiedMachineOf(stateMachineArn: string): string | undefined {
  const parts = stateMachineArn.split(':');
  return parts.length === 8 && parts[5] === 'stateMachine' && parts[7] !== '' ? parts.slice(0, 7).join(':') : undefined;
}

/** arn:…:execution:MACHINE:NAME → arn:…:stateMachine:MACHINE (when a reply leaves the machine out). */
export function machineArnOf(executionArn: string): string {
  const parts = executionArn.split(':');
  return parts.length >= 7 ? [...parts.slice(0, 5), 'stateMachine', parts[6]].join(':') : executionArn;
}

/**
 * Console hosts by partition, with the shape of the partition's region names. Other partitions (the
 * ISO ones, aws-eusc) have consoles at hosts of their own: no link there, since a link is absent, never wrong.
 */
const CONSOLES: Record<string, { region: RegExp; host: (region: string) => string }> = {
  aws: { region: /^(?!cn-)[a-z]{2}-[a-z]+-\d{1,2}$/, host: (region) => `${region}.console.aws.amazon.com` },
  'aws-cn': { region: /^cn-[a-z]+-\d{1,2}$/, host: (region) => `${region}.console.amazonaws.cn` },
  'aws-us-gov': { region: /^us-gov-[a-z]+-\d{1,2}$/, host: (region) => `${region}.console.amazonaws-us-gov.com` },
};

/** AWS console page of an execution, in the ARN's own partition and region. */
export function consoleUrl(executionArn: string): string | undefined {
  const [, partition = '', , region = '', , kind] = executionArn.split(':');
  // The page below is the Standard executions' one; no AWS doc confirms the EXPRESS page's URL shape.
  if (kind !== 'execution') return undefined;
  const site = Object.hasOwn(CONSOLES, partition) ? CONSOLES[partition] : undefined;
  // The ARN came from the backend: a "region" that is not one would point the link at any host.
  if (!site || !site.region.test(region)) return undefined;
  let encoded: string;
  try {
    encoded = encodeURIComponent(executionArn);
  } catch {
    // A lone half of a surrogate pair (a broken backend string) names no page the console has.
    return undefined;
  }
  return `https://${site.host(region)}/states/home?region=${region}#/v2/executions/details/${encoded}`;
}

export { shortTime } from '../../server/render.js';

/** "4.6s", "12m"… between two backend dates; empty when either is missing or they are out of order. */
export function durationText(start: Date | undefined, stop: Date | undefined): string {
  if (!(start instanceof Date) || !(stop instanceof Date)) return '';
  const ms = stop.getTime() - start.getTime();
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}


export const arnField = (what: string) => z.string().overwrite(unwrapPasted).min(1).max(256).describe(what);

/**
 * A refusal (invalid ARN, not found) of an EXPRESS execution's ARN (":express:" in it) is most likely
 * about its type: Step Functions keeps no record of EXPRESS executions to read, `what` says which.
 */
export function expressRefusal(err: unknown, executionArn: string, what: string): unknown {
  const refused = err instanceof BackendError && (err.kind === 'invalid_argument' || err.kind === 'not_found');
  if (!refused || err.details.hint !== undefined || !isExpressArn(executionArn)) return err;
  const hint = `this is an EXPRESS execution (":express:" in its ARN): Step Functions keeps ${what} for EXPRESS workflows; with logging on, their events are in the state machine's CloudWatch Logs`;
  return withHint(err, hint);
}

const KMS_KEY = "the state machine's customer managed KMS key";

/**
 * A KMS error on reading an execution: its data is encrypted with the state machine's own key, and
 * the same read without the data needs no decryption. `withoutData` names that read and what it
 * leaves out, or is undefined when this one already left the data out.
 */
export function kmsRefusal(err: unknown, withoutData: string | undefined): unknown {
  if (!(err instanceof BackendError) || err.details.hint !== undefined) return err;
  const meanwhile = withoutData ? `; ${withoutData}, which needs no decryption` : '';
  switch (err.code) {
    case 'KmsAccessDeniedException':
      return withHint(
        err,
        withoutData
          ? `the execution's data is encrypted with ${KMS_KEY}, and the server's credentials lack kms:Decrypt on it (in their IAM policy or the key policy)${meanwhile}; or grant kms:Decrypt on that key`
          : `${KMS_KEY} refused the server's credentials even without the execution's data: grant them kms:Decrypt on that key (in their IAM policy or the key policy)`,
      );
    case 'KmsInvalidStateException':
      return withHint(err, `${KMS_KEY} is disabled or pending deletion (its kmsKeyState says which; a key pending deletion needs the deletion cancelled first), so Step Functions cannot decrypt the execution's data until the key is enabled again${meanwhile}`);
    case 'KmsThrottlingException':
      return withHint(err, `KMS throttled Step Functions' requests to decrypt with ${KMS_KEY} (the KMS request quota of the account and region): wait a few seconds and call again${meanwhile}`);
    default:
      return err;
  }
}

/** The per-call payload cut: inputs, outputs and causes, up to an eighth of the response budget (an answer holds several). */
export const maxPayloadCharsField = z
  .number()
  .int()
  .min(100)
  .max(125_000)
  .optional()
  .describe("Cut inputs, outputs and causes at this many characters (default: the server's setting, 2000 unless configured); at most an eighth of the response budget. Raise it to read a long cause whole.");

export interface PayloadCut {
  max: number;
  /** The largest cut this server allows. */
  ceiling: number;
  /** Said when the call asked for more than the ceiling. */
  note: string | undefined;
}

export function payloadCut(asked: number | undefined, limits: { maxPayloadChars: number; responseBudgetChars: number }): PayloadCut {
  const ceiling = Math.max(limits.maxPayloadChars, Math.floor(limits.responseBudgetChars / 8));
  if (asked === undefined) return { max: limits.maxPayloadChars, ceiling, note: undefined };
  if (asked <= ceiling) return { max: asked, ceiling, note: undefined };
  return { max: ceiling, ceiling, note: `maxPayloadChars ${asked} is more than this server allows (an eighth of its response budget): ${ceiling} was used.` };
}

/** The line that says how to see more of payloads this answer cut, when a larger cut is allowed. */
export function morePayloadHint(cut: PayloadCut, anyCut: boolean): string {
  return anyCut && cut.max < cut.ceiling ? `Payloads longer than ${cut.max} characters were cut: call again with maxPayloadChars up to ${cut.ceiling} to see more.` : '';
}

/** An ARN a text line shows bare (as UntrustedFence.inline does). */
const BARE_ARN = /^[\w.:/@+-]{1,512}$/;

/**
 * Where an item's ARN is "<prefix><name>", a list's text shows the prefix once, in a header, instead
 * of on every line; the prefix is the first item's. Decided per item as its line is built, so each
 * line is sized as it is shown (the budget then fills with items, not with ARNs the text leaves out).
 * Only for ARNs shown bare (identifier-like).
 */
export class ArnPrefix {
  private prefix: string | undefined;
  private decided = false;

  constructor(private readonly label: string) {}

  /** True when the line of an item with this ARN and name leaves the ARN out. */
  omits(arn: string, name: string): boolean {
    if (!this.decided) {
      this.decided = true;
      if (arn.endsWith(name) && BARE_ARN.test(arn)) this.prefix = arn.slice(0, arn.length - name.length);
    }
    // Compared in place: building prefix + name for every item cost more than the rest of the text.
    const { prefix } = this;
    return prefix !== undefined && arn.length === prefix.length + name.length && arn.startsWith(prefix) && arn.endsWith(name) && BARE_ARN.test(arn);
  }

  /** The header line for the items an answer returns (empty when every line shows its ARN). */
  header<T>(items: T[], arnOf: (item: T) => string, nameOf: (item: T) => string): string {
    const omitted = items.filter((item) => this.omits(arnOf(item), nameOf(item))).length;
    if (omitted === 0 || this.prefix === undefined) return '';
    return `${this.label} = ${this.prefix}<name>${omitted < items.length ? ` (where a line does not end with its own ${this.label})` : ''}`;
  }
}

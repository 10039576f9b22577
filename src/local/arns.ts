import { ApiError, notSupported } from './errors.js';

/** ARNs of the embedded engine: arn:aws:states:<region>:<account>:stateMachine:<name>, …:execution:<machine>:<name>. */

export const LOCAL_ACCOUNT = '123456789012';

export interface ArnScope {
  region: string;
  account: string;
}

export const stateMachineArn = (s: ArnScope, name: string): string => `arn:aws:states:${s.region}:${s.account}:stateMachine:${name}`;
export const executionArnPrefix = (s: ArnScope, machine: string): string => `arn:aws:states:${s.region}:${s.account}:execution:${machine}:`;

const ARN = /^arn:(aws(?:-[a-z]+)*):states:([\w-]+):(\d{12}):([A-Za-z]+):(.+)$/;
/** The API's length limit on ARN members. */
const MAX_ARN = 256;

interface Parsed {
  partition: string;
  region: string;
  account: string;
  resourceType: string;
  parts: string[];
}

function parse(arn: unknown, field: string): Parsed {
  if (typeof arn !== 'string' || arn.length === 0) {
    throw new ApiError('ValidationException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  if (arn.length > MAX_ARN) {
    throw new ApiError('ValidationException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ARN}`);
  }
  const m = ARN.exec(arn);
  if (!m) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
  return { partition: m[1] ?? '', region: m[2] ?? '', account: m[3] ?? '', resourceType: m[4] ?? '', parts: (m[5] ?? '').split(':') };
}

/** The resource type of a well-formed Step Functions ARN: `stateMachine`, `execution`, `activity`… */
export function arnResourceType(arn: unknown, field: string): string {
  return parse(arn, field).resourceType;
}

/** → state machine name; `undefined` when the ARN is well formed but names another region or account. */
export function parseStateMachineArn(s: ArnScope, arn: unknown, field = 'stateMachineArn'): string | undefined {
  const p = parse(arn, field);
  if (p.resourceType !== 'stateMachine') {
    throw new ApiError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${p.resourceType}'`);
  }
  if (p.parts.length > 2 || p.parts.some((part) => part === '')) throw new ApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  if (p.parts.length === 2) throw notSupported('State machine versions and aliases', 'are');
  if (!inScope(p, s)) return undefined;
  return p.parts[0];
}

/** → [machine name, execution name]; `undefined` for another region or account. */
export function parseExecutionArn(s: ArnScope, arn: unknown, field = 'executionArn'): [string, string] | undefined {
  const p = parse(arn, field);
  if (p.resourceType === 'express') throw notSupported('EXPRESS executions', 'are');
  if (p.resourceType !== 'execution') {
    throw new ApiError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${p.resourceType}'`);
  }
  if (p.parts.length !== 2 || !p.parts[0] || !p.parts[1]) throw new ApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  if (!inScope(p, s)) return undefined;
  return [p.parts[0], p.parts[1]];
}

/** The engine's resources are in the aws partition, its region and its account; others do not exist here. */
function inScope(p: Parsed, s: ArnScope): boolean {
  return p.partition === 'aws' && p.region === s.region && p.account === s.account;
}

/** Characters AWS refuses in execution and state machine names. */
export const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

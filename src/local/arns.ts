import { ApiError, notSupported } from './errors.js';

/** ARNs of the embedded engine: arn:aws:states:<region>:<account>:stateMachine:<name>, …:execution:<machine>:<name>. */

export const LOCAL_ACCOUNT = '123456789012';

export interface ArnScope {
  region: string;
  account: string;
}

export const stateMachineArn = (s: ArnScope, name: string): string => `arn:aws:states:${s.region}:${s.account}:stateMachine:${name}`;
export const executionArnPrefix = (s: ArnScope, machine: string): string => `arn:aws:states:${s.region}:${s.account}:execution:${machine}:`;

const ARN = /^arn:aws[\w-]*:states:([\w-]+):(\d{12}):([A-Za-z]+):(.+)$/;

interface Parsed {
  region: string;
  account: string;
  resourceType: string;
  parts: string[];
}

function parse(arn: unknown, field: string): Parsed {
  if (typeof arn !== 'string' || arn.length === 0) {
    throw new ApiError('ValidationException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  const m = ARN.exec(arn);
  if (!m) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
  return { region: m[1] ?? '', account: m[2] ?? '', resourceType: m[3] ?? '', parts: (m[4] ?? '').split(':') };
}

/** → state machine name; `undefined` when the ARN is well formed but names another region or account. */
export function parseStateMachineArn(s: ArnScope, arn: unknown, field = 'stateMachineArn'): string | undefined {
  const p = parse(arn, field);
  if (p.resourceType !== 'stateMachine') {
    throw new ApiError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${p.resourceType}'`);
  }
  if (p.parts.length > 2 || p.parts[0] === '') throw new ApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  if (p.parts.length === 2) throw notSupported('State machine versions and aliases', 'are');
  if (p.region !== s.region || p.account !== s.account) return undefined;
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
  if (p.region !== s.region || p.account !== s.account) return undefined;
  return [p.parts[0], p.parts[1]];
}

/** Characters AWS refuses in execution and state machine names. */
export const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

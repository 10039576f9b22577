/** How a Task `Resource` ARN shows up in history: Lambda function, activity, or service integration. */

export type ResourceKind = 'lambda' | 'activity' | 'service';

export interface ResourceInfo {
  arn: string;
  kind: ResourceKind;
  /** For service integrations: the part before the action, e.g. `lambda`, `dynamodb`, `aws-sdk:s3`. */
  resourceType: string;
  /** For service integrations: the action with its suffix, e.g. `invoke`, `startExecution.sync`. */
  resource: string;
  /** `arn:aws:states:::lambda:invoke` (any suffix): the handler is chosen by FunctionName at run time. */
  lambdaInvoke: boolean;
}

const LAMBDA_ARN = /^arn:[\w-]+:lambda:[\w-]*:\d*:function:/;
const ACTIVITY_ARN = /^arn:[\w-]+:states:[\w-]*:\d*:activity:/;
const SERVICE_ARN = /^arn:[\w-]+:states:::(.+)$/;

export function classifyResource(arn: string): ResourceInfo {
  if (LAMBDA_ARN.test(arn)) return { arn, kind: 'lambda', resourceType: 'lambda', resource: arn, lambdaInvoke: false };
  if (ACTIVITY_ARN.test(arn)) return { arn, kind: 'activity', resourceType: 'activity', resource: arn, lambdaInvoke: false };
  const service = SERVICE_ARN.exec(arn)?.[1];
  if (service !== undefined) {
    // The service is the first segment (two for aws-sdk:<service>); the rest, colons and all, is
    // the resource: states:startExecution.sync:2 → "states", "startExecution.sync:2".
    const parts = service.split(':');
    const typeParts = parts[0] === 'aws-sdk' && parts.length > 2 ? 2 : 1;
    const resourceType = parts.length > 1 ? parts.slice(0, typeParts).join(':') : service;
    const resource = parts.length > 1 ? parts.slice(typeParts).join(':') : service;
    return { arn, kind: 'service', resourceType, resource, lambdaInvoke: resourceType === 'lambda' && resource.startsWith('invoke') };
  }
  return { arn, kind: 'service', resourceType: 'unknown', resource: arn, lambdaInvoke: false };
}

/** `my-fn`, `my-fn:prod`, `123456789012:function:my-fn`, full ARN → `my-fn`. */
export function lambdaFunctionName(nameOrArn: string): string {
  const m = /(?:^|:)function:([^:]+)/.exec(nameOrArn);
  if (m?.[1]) return m[1];
  return nameOrArn.split(':')[0] ?? nameOrArn;
}

export function isLambdaReference(key: string): boolean {
  return LAMBDA_ARN.test(key) || !key.includes(':') || /^\d+:function:/.test(key);
}

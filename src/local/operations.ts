/** The Step Functions API's operations, as named in X-Amz-Target (AWSStepFunctions.<name>). */

/** Operations that change nothing. */
export const READ_OPERATIONS: ReadonlySet<string> = new Set([
  'ListStateMachines',
  'DescribeStateMachine',
  'DescribeStateMachineForExecution',
  'ListExecutions',
  'DescribeExecution',
  'GetExecutionHistory',
  'ListMapRuns',
  'DescribeMapRun',
  'ListActivities',
  'DescribeActivity',
  'ListStateMachineVersions',
  'ListStateMachineAliases',
  'DescribeStateMachineAlias',
  'ListTagsForResource',
  'ValidateStateMachineDefinition',
]);

/** Operations that change something (or run something: TestState, GetActivityTask). */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateActivity',
  'CreateStateMachine',
  'CreateStateMachineAlias',
  'DeleteActivity',
  'DeleteStateMachine',
  'DeleteStateMachineAlias',
  'DeleteStateMachineVersion',
  'GetActivityTask',
  'PublishStateMachineVersion',
  'RedriveExecution',
  'SendTaskFailure',
  'SendTaskHeartbeat',
  'SendTaskSuccess',
  'StartExecution',
  'StartSyncExecution',
  'StopExecution',
  'TagResource',
  'TestState',
  'UntagResource',
  'UpdateMapRun',
  'UpdateStateMachine',
  'UpdateStateMachineAlias',
]);

/**
 * The writes the embedded engine performs: the only operations --allow-writes governs. Every other
 * write (CreateStateMachine, TagResource, SendTaskSuccess, RedriveExecution…) is unsupported with or
 * without it, so a read-only server must not suggest --allow-writes would make it work.
 */
export const ENGINE_WRITES: ReadonlySet<string> = new Set(['StartExecution', 'StopExecution']);

/** A name the Step Functions API has at all (a misspelt one gets UnknownOperationException, as from AWS). */
export function isStepFunctionsOperation(op: string): boolean {
  return READ_OPERATIONS.has(op) || WRITE_OPERATIONS.has(op);
}

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

/** A name the Step Functions API has at all (a misspelt one gets UnknownOperationException, as from AWS). */
export function isStepFunctionsOperation(op: string): boolean {
  return READ_OPERATIONS.has(op) || WRITE_OPERATIONS.has(op);
}

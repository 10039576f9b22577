import { NOT_TRUNCATED, compact, lower, type Active, type EventSink, type Scope } from './history-events.js';
import type { Invocation } from './tasks.js';

/**
 * Task attempt events: TaskScheduled, TaskStarted, then TaskSucceeded|TaskFailed|TaskTimedOut, or
 * the LambdaFunction* and Activity* variants for Lambda function and activity ARNs.
 */

/** The handler of `active` was called: InputPath/Parameters worked (AWS schedules nothing when they fail). */
export function scheduleTask(sink: EventSink, region: string, scope: Scope, active: Active, invocation: Invocation, ts: number): void {
  const resource = active.info.resource;
  if (!resource) return;
  active.invocation = invocation;
  const timeout = invocation.timeoutSeconds ?? active.info.timeoutSeconds;
  const heartbeat = active.info.heartbeatSeconds;
  let first: number;
  if (resource.kind === 'lambda') {
    first = sink.emitIn(scope, 'LambdaFunctionScheduled', scope.lastId, ts, {
      lambdaFunctionScheduledEventDetails: compact({
        resource: resource.arn,
        input: invocation.params,
        inputDetails: NOT_TRUNCATED,
        timeoutInSeconds: timeout,
      }),
    });
    scope.lastId = sink.emitIn(scope, 'LambdaFunctionStarted', first, ts);
  } else if (resource.kind === 'activity') {
    first = sink.emitIn(scope, 'ActivityScheduled', scope.lastId, ts, {
      activityScheduledEventDetails: compact({
        resource: resource.arn,
        input: invocation.params,
        inputDetails: NOT_TRUNCATED,
        timeoutInSeconds: timeout,
        heartbeatInSeconds: heartbeat,
      }),
    });
    scope.lastId = sink.emitIn(scope, 'ActivityStarted', first, ts, { activityStartedEventDetails: { workerName: 'local-engine' } });
  } else {
    first = sink.emitIn(scope, 'TaskScheduled', scope.lastId, ts, {
      taskScheduledEventDetails: compact({
        resourceType: resource.resourceType,
        resource: resource.resource,
        region,
        parameters: invocation.params,
        timeoutInSeconds: timeout,
        heartbeatInSeconds: heartbeat,
      }),
    });
    scope.lastId = sink.emitIn(scope, 'TaskStarted', first, ts, {
      taskStartedEventDetails: { resourceType: resource.resourceType, resource: resource.resource },
    });
  }
}

/** → the id of the success event. */
export function taskSucceeded(sink: EventSink, scope: Scope, active: Active, ts: number): number {
  const resource = active.info.resource;
  const output = active.invocation?.result ?? 'null';
  active.invocation = undefined;
  if (resource?.kind === 'lambda') {
    return sink.emitIn(scope, 'LambdaFunctionSucceeded', scope.lastId, ts, {
      lambdaFunctionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED },
    });
  }
  if (resource?.kind === 'activity') {
    return sink.emitIn(scope, 'ActivitySucceeded', scope.lastId, ts, { activitySucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } });
  }
  return sink.emitIn(scope, 'TaskSucceeded', scope.lastId, ts, {
    taskSucceededEventDetails: { resourceType: resource?.resourceType, resource: resource?.resource, output, outputDetails: NOT_TRUNCATED },
  });
}

export function taskFailed(sink: EventSink, scope: Scope, active: Active, error: string, cause: string, ts: number): void {
  const resource = active.info.resource;
  const timedOut = error === 'States.Timeout';
  const kind = resource?.kind === 'lambda' ? 'LambdaFunction' : resource?.kind === 'activity' ? 'Activity' : 'Task';
  const type = `${kind}${timedOut ? 'TimedOut' : 'Failed'}`;
  const details = compact(kind === 'Task' ? { resourceType: resource?.resourceType, resource: resource?.resource, error, cause } : { error, cause });
  scope.lastId = sink.emitIn(scope, type, scope.lastId, ts, { [`${lower(type)}EventDetails`]: details });
  active.invocation = undefined;
}

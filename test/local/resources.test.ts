import { describe, expect, it } from 'vitest';
import { classifyResource } from '../../src/local/resources.js';

/** How a Task's Resource ARN is shown in TaskScheduled/TaskStarted: resourceType and resource, as Step Functions splits them. */
describe('classifyResource()', () => {
  it.each([
    ['arn:aws:states:::dynamodb:putItem', 'dynamodb', 'putItem', false],
    ['arn:aws:states:::glue:startJobRun.sync', 'glue', 'startJobRun.sync', false],
    ['arn:aws:states:::states:startExecution.sync:2', 'states', 'startExecution.sync:2', false],
    ['arn:aws:states:::aws-sdk:s3:getObject', 'aws-sdk:s3', 'getObject', false],
    ['arn:aws:states:::lambda:invoke', 'lambda', 'invoke', true],
    ['arn:aws:states:::lambda:invoke.waitForTaskToken', 'lambda', 'invoke.waitForTaskToken', true],
  ])('%s → %s, %s', (arn, resourceType, resource, lambdaInvoke) => {
    expect(classifyResource(arn)).toEqual({ arn, kind: 'service', resourceType, resource, lambdaInvoke });
  });

  it('Lambda function and activity ARNs are their own kinds', () => {
    const fn = 'arn:aws:lambda:us-east-1:123456789012:function:charge';
    expect(classifyResource(fn)).toMatchObject({ kind: 'lambda', resourceType: 'lambda', resource: fn });
    const activity = 'arn:aws:states:us-east-1:123456789012:activity:review';
    expect(classifyResource(activity)).toMatchObject({ kind: 'activity', resource: activity });
  });
});

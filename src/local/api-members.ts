import { ApiError } from './errors.js';

/**
 * The JSON type of each input member of the operations the engine serves, as the Step Functions
 * model declares them. AWS reads a body against its model before anything else and answers a member
 * of the wrong type (`"reverseOrder": "true"`, `"maxResults": "5"`) with SerializationException;
 * taking such a member as absent would silently answer a different question.
 */

type MemberType = 'string' | 'boolean' | 'integer';

const s = 'string';
const MEMBERS: Readonly<Record<string, Readonly<Record<string, MemberType>>>> = {
  ListStateMachines: { maxResults: 'integer', nextToken: s },
  DescribeStateMachine: { stateMachineArn: s, includedData: s },
  DescribeStateMachineForExecution: { executionArn: s, includedData: s },
  StartExecution: { stateMachineArn: s, name: s, input: s, traceHeader: s },
  StopExecution: { executionArn: s, error: s, cause: s },
  DescribeExecution: { executionArn: s, includedData: s },
  ListExecutions: { stateMachineArn: s, statusFilter: s, maxResults: 'integer', nextToken: s, mapRunArn: s, redriveFilter: s },
  GetExecutionHistory: { executionArn: s, maxResults: 'integer', reverseOrder: 'boolean', nextToken: s, includeExecutionData: 'boolean' },
  RedriveExecution: { executionArn: s, clientToken: s },
  ListTagsForResource: { resourceArn: s },
  ListActivities: { maxResults: 'integer', nextToken: s },
};

/** The model's Integer is 32-bit. */
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function hasType(value: unknown, type: MemberType): boolean {
  if (type === 'integer') return typeof value === 'number' && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX;
  return typeof value === type;
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value === 'number' ? 'the number' : `a ${typeof value}`} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

/** SerializationException for the first member of `op` whose value has the wrong JSON type. Nulls are gone already. */
export function checkMemberTypes(op: string, body: Record<string, unknown>): void {
  const members = MEMBERS[op];
  if (!members) return;
  for (const [name, value] of Object.entries(body)) {
    const type = Object.hasOwn(members, name) ? members[name] : undefined;
    // Members the model does not have are ignored, as AWS ignores them.
    if (type === undefined || hasType(value, type)) continue;
    const expected = type === 'integer' ? 'a 32-bit integer' : `a ${type}`;
    throw new ApiError('SerializationException', `Cannot read member '${name}' of ${op}: expected ${expected}, got ${shown(value)}`);
  }
}

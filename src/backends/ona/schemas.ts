import * as z from 'zod';

/**
 * Lenient zod shapes of the AgentService replies (proto3 JSON): every field optional, unknown
 * fields stripped, enums kept as strings so a new enum value never breaks a call (phase numbers are read as their names). int64 values
 * arrive as strings but numbers are accepted too, and doubles may be "NaN" or "Infinity". A field
 * of the wrong type (a number where a timestamp string belongs), a null message (proto3's
 * "default") or a bad entry of a repeated field is dropped rather than failing the whole page:
 * one odd execution must not hide every execution after it.
 */

const int64 = z.union([z.string(), z.number()]).optional().catch(undefined);
const double = z.union([z.number(), z.string()]).optional().catch(undefined);
const str = z.string().optional().catch(undefined);
const bool = z.boolean().optional().catch(undefined);
/** Phase numbers a proto3 JSON writer set to print enums as integers would send. */
const PHASE_NUMBERS: Record<number, string> = { 0: 'PHASE_UNSPECIFIED', 10: 'PHASE_PENDING', 20: 'PHASE_RUNNING', 30: 'PHASE_WAITING_FOR_INPUT', 40: 'PHASE_STOPPED' };
const phase = z
  .union([z.string(), z.number().transform((n) => PHASE_NUMBERS[n] ?? String(n))])
  .optional()
  .catch(undefined);
/**
 * Other enums printed as integers: their numbers are not documented, so the number is kept as text
 * ("0" is the proto default, "not set"): a failure reason of 3 still says the execution failed.
 */
const enumValue = z
  .union([z.string(), z.number().transform((n) => String(n))])
  .optional()
  .catch(undefined);
const stringMap = z.record(z.string(), z.string()).optional().catch(undefined);

/** A message field: absent when null or not the message. */
function message<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

/** A repeated message field: the entries that are the message. */
function repeated<T extends z.ZodType>(item: T) {
  return z
    .array(item.optional().catch(undefined))
    .transform((items) => items.filter((item): item is NonNullable<typeof item> => item !== undefined))
    .optional()
    .catch(undefined);
}

const Subject = z.object({ id: str, principal: str });

const CodeContext = z.object({
  contextUrl: message(z.object({ url: str, environmentClassId: str })),
  environmentId: str,
  projectId: str,
  pullRequest: message(
    z.object({
      id: str,
      url: str,
      title: str,
      fromBranch: str,
      toBranch: str,
      state: str,
      repository: message(z.object({ host: str, owner: str, name: str, cloneUrl: str })),
    }),
  ),
});

const OutputValue = z.object({
  stringValue: str,
  intValue: int64,
  boolValue: bool,
  floatValue: double,
});

const Goal = z.object({
  objective: str,
  status: enumValue,
  tokensUsed: int64,
  tokenBudget: int64,
  timeUsed: str,
});

export const AgentExecutionSchema = z.object({
  id: str,
  metadata: message(
    z.object({
      name: str,
      description: str,
      creator: message(Subject),
      createdAt: str,
      updatedAt: str,
      annotations: stringMap,
      role: enumValue,
      sessionId: str,
      workflowActionId: str,
    }),
  ),
  spec: message(
    z.object({
      agentId: str,
      codeContext: message(CodeContext),
      desiredPhase: phase,
      limits: message(z.object({ maxInputTokens: int64, maxIterations: int64, maxOutputTokens: int64 })),
      session: str,
    }),
  ),
  status: message(
    z.object({
      phase,
      failureMessage: str,
      failureReason: enumValue,
      warningMessage: str,
      conversationUrl: str,
      transcriptUrl: str,
      supportBundleUrl: str,
      currentActivity: str,
      currentOperation: message(
        z.object({
          llm: message(z.object({ complete: bool })),
          toolUse: message(z.object({ toolName: str, complete: bool })),
          retries: int64,
        }),
      ),
      goal: message(Goal),
      judgement: str,
      mode: enumValue,
      outputs: message(z.record(z.string(), message(OutputValue))),
      inputTokensUsed: int64,
      outputTokensUsed: int64,
      cachedInputTokensUsed: int64,
      cachedCreationTokensUsed: int64,
      contextWindowLength: int64,
      iterations: int64,
      session: str,
      supportedModel: enumValue,
      mcpIntegrationStatuses: repeated(z.object({ id: str, name: str, phase: str, failureMessage: str, warningMessage: str })),
      usedEnvironments: repeated(z.object({ environmentId: str, createdByAgent: bool })),
      waitingInfo: message(z.object({ waitingSince: str, interests: repeated(z.object({ id: str }).loose()) })),
    }),
  ),
});
export type AgentExecution = z.infer<typeof AgentExecutionSchema>;

// The page itself stays strict: a list or token of the wrong type is a malformed reply, where
// dropping it would end the listing with "no more".
export const ListAgentExecutionsResponseSchema = z.object({
  // null is proto3 JSON's "default" (an empty list, no pagination), not a malformed reply.
  agentExecutions: z
    .array(AgentExecutionSchema.optional().catch(undefined))
    .nullish()
    .transform((items) => items?.filter((item) => item !== undefined)),
  // proto3 JSON may write an unset string as null.
  pagination: z
    .object({ nextToken: z.string().nullish().transform((token) => token ?? undefined) })
    .nullish()
    .transform((pagination) => pagination ?? undefined),
});
export type ListAgentExecutionsResponse = z.infer<typeof ListAgentExecutionsResponseSchema>;

export const GetAgentExecutionResponseSchema = z.object({ agentExecution: message(AgentExecutionSchema) });

export const StartAgentResponseSchema = z.object({ agentExecutionId: str });

export const EmptyResponseSchema = z.object({});

/** Connect unary error body. */
export const ConnectErrorSchema = z.object({ code: z.string().min(1), message: z.string().optional() });

// Request shapes (what the tools may send).

export interface ListAgentExecutionsFilter {
  agentIds?: string[];
  creatorIds?: string[];
  environmentIds?: string[];
  projectIds?: string[];
  roles?: string[];
  statusPhases?: string[];
  sessionIds?: string[];
  agentExecutionIds?: string[];
  annotations?: Record<string, string>;
}

export interface ListAgentExecutionsRequest {
  filter?: ListAgentExecutionsFilter;
  pagination?: { pageSize?: number; token?: string };
}

export interface StartAgentRequest {
  agentId?: string;
  codeContext?: {
    contextUrl?: { url?: string; environmentClassId?: string };
    environmentId?: string;
    projectId?: string;
  };
  name?: string;
  mode?: string;
  annotations?: Record<string, string>;
  runnerId?: string;
  sessionId?: string;
  workflowActionId?: string;
}

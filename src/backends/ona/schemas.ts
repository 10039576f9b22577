import * as z from 'zod';

/**
 * Lenient zod shapes of the AgentService replies (proto3 JSON): every field optional, unknown
 * fields stripped, enums kept as strings so a new enum value never breaks a call. int64 values
 * arrive as strings but numbers are accepted too. A leaf of the wrong type (a number where a
 * timestamp string belongs) is dropped rather than failing the whole page.
 */

const int64 = z.union([z.string(), z.number()]).optional().catch(undefined);
const str = z.string().optional().catch(undefined);
const bool = z.boolean().optional().catch(undefined);
const stringMap = z.record(z.string(), z.string()).optional().catch(undefined);

const Subject = z.object({ id: str, principal: str });

const CodeContext = z.object({
  contextUrl: z.object({ url: str, environmentClassId: str }).optional(),
  environmentId: str,
  projectId: str,
  pullRequest: z
    .object({
      id: str,
      url: str,
      title: str,
      fromBranch: str,
      toBranch: str,
      state: str,
      repository: z.object({ host: str, owner: str, name: str, cloneUrl: str }).optional(),
    })
    .optional(),
});

const OutputValue = z.object({
  stringValue: str,
  intValue: int64,
  boolValue: bool,
  floatValue: z.number().optional(),
});

const Goal = z.object({
  objective: str,
  status: str,
  tokensUsed: int64,
  tokenBudget: int64,
  timeUsed: str,
});

export const AgentExecutionSchema = z.object({
  id: str,
  metadata: z
    .object({
      name: str,
      description: str,
      creator: Subject.optional(),
      createdAt: str,
      updatedAt: str,
      annotations: stringMap,
      role: str,
      sessionId: str,
      workflowActionId: str,
    })
    .optional(),
  spec: z
    .object({
      agentId: str,
      codeContext: CodeContext.optional(),
      desiredPhase: str,
      limits: z.object({ maxInputTokens: int64, maxIterations: int64, maxOutputTokens: int64 }).optional(),
      session: str,
    })
    .optional(),
  status: z
    .object({
      phase: str,
      failureMessage: str,
      failureReason: str,
      warningMessage: str,
      conversationUrl: str,
      transcriptUrl: str,
      supportBundleUrl: str,
      currentActivity: str,
      currentOperation: z
        .object({
          llm: z.object({ complete: bool }).optional(),
          toolUse: z.object({ toolName: str, complete: bool }).optional(),
          retries: int64,
        })
        .optional(),
      goal: Goal.optional(),
      judgement: str,
      mode: str,
      outputs: z.record(z.string(), OutputValue).optional(),
      inputTokensUsed: int64,
      outputTokensUsed: int64,
      cachedInputTokensUsed: int64,
      cachedCreationTokensUsed: int64,
      contextWindowLength: int64,
      iterations: int64,
      session: str,
      supportedModel: str,
      mcpIntegrationStatuses: z.array(z.object({ id: str, name: str, phase: str, failureMessage: str, warningMessage: str })).optional(),
      usedEnvironments: z.array(z.object({ environmentId: str, createdByAgent: bool })).optional(),
      waitingInfo: z.object({ waitingSince: str, interests: z.array(z.object({ id: str }).loose()).optional() }).optional(),
    })
    .optional(),
});
export type AgentExecution = z.infer<typeof AgentExecutionSchema>;

export const ListAgentExecutionsResponseSchema = z.object({
  agentExecutions: z.array(AgentExecutionSchema).optional(),
  pagination: z.object({ nextToken: str }).optional(),
});
export type ListAgentExecutionsResponse = z.infer<typeof ListAgentExecutionsResponseSchema>;

export const GetAgentExecutionResponseSchema = z.object({ agentExecution: AgentExecutionSchema.optional() });

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

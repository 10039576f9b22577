import * as z from 'zod';
import type { AgentExecution } from '../../backends/ona/schemas.js';
import { PayloadSchema, compact, iso, oneLine, payload, type UntrustedFence } from '../../server/render.js';
import { failureReasonOf, num, onaState, setEnum, shortCount, shortEnum, shortTime, stateField } from './views.js';

/** The full view of one AgentExecution: every field a person debugging it would look at. */

const counts = z.number().optional();

export const AgentExecutionDetail = z.object({
  id: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  phase: z.string().optional(),
  desiredPhase: z.string().optional().describe('spec.desiredPhase: PHASE_STOPPED means a stop was requested.'),
  state: stateField,
  mode: z.string().optional(),
  role: z.string().optional(),
  creator: z.object({ id: z.string().optional(), principal: z.string().optional() }).optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  agentId: z.string().optional(),
  codeContext: z
    .object({
      contextUrl: z.object({ url: z.string().optional(), environmentClassId: z.string().optional() }).optional(),
      environmentId: z.string().optional(),
      projectId: z.string().optional(),
      pullRequest: z.object({ url: z.string().optional(), title: z.string().optional(), fromBranch: z.string().optional(), toBranch: z.string().optional() }).optional(),
    })
    .optional(),
  sessionId: z.string().optional(),
  workflowActionId: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  failureReason: z.string().optional(),
  failureMessage: PayloadSchema.optional(),
  warningMessage: PayloadSchema.optional(),
  currentActivity: PayloadSchema.optional(),
  currentOperation: z
    .object({ toolName: z.string().optional(), toolComplete: z.boolean().optional(), llmComplete: z.boolean().optional(), retries: z.number().optional() })
    .optional(),
  goal: z
    .object({ objective: PayloadSchema.optional(), status: z.string().optional(), tokensUsed: counts, tokenBudget: counts, timeUsed: z.string().optional() })
    .optional(),
  judgement: PayloadSchema.optional(),
  outputs: PayloadSchema.optional().describe('status.outputs as JSON text (name → value).'),
  iterations: counts,
  inputTokensUsed: counts,
  outputTokensUsed: counts,
  cachedInputTokensUsed: counts,
  cachedCreationTokensUsed: counts,
  contextWindowLength: counts,
  limits: z.object({ maxInputTokens: counts, maxIterations: counts, maxOutputTokens: counts }).optional(),
  supportedModel: z.string().optional(),
  mcpIntegrations: z.array(z.object({ name: z.string().optional(), phase: z.string().optional(), failureMessage: z.string().optional() })).optional(),
  usedEnvironments: z.array(z.object({ environmentId: z.string().optional(), createdByAgent: z.boolean().optional() })).optional(),
  waitingSince: z.string().optional(),
  conversationUrl: z.string().optional(),
  transcriptUrl: z.string().optional(),
  supportBundleUrl: z.string().optional(),
});
export type AgentExecutionDetail = z.infer<typeof AgentExecutionDetail>;

/** status.outputs (typed values) → { name: value } as JSON text. */
function outputsText(outputs: NonNullable<AgentExecution['status']>['outputs']): string | undefined {
  if (!outputs || Object.keys(outputs).length === 0) return undefined;
  const flat: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(outputs)) {
    if (!v) continue;
    flat[key] = v.stringValue ?? (v.intValue !== undefined ? num(v.intValue, true) : undefined) ?? v.boolValue ?? v.floatValue ?? null;
  }
  return JSON.stringify(flat);
}

export function detailOf(e: AgentExecution, requestedId: string, max: number): AgentExecutionDetail {
  const meta = e.metadata;
  const spec = e.spec;
  const status = e.status;
  const op = status?.currentOperation;
  const goal = status?.goal;
  const ctx = spec?.codeContext;
  return compact({
    id: e.id ?? requestedId,
    name: meta?.name,
    description: meta?.description,
    phase: status?.phase,
    desiredPhase: setEnum(spec?.desiredPhase),
    state: onaState(e),
    mode: setEnum(status?.mode),
    role: setEnum(meta?.role),
    creator: meta?.creator ? { id: meta.creator.id, principal: setEnum(meta.creator.principal) } : undefined,
    createdAt: iso(meta?.createdAt),
    updatedAt: iso(meta?.updatedAt),
    agentId: spec?.agentId,
    codeContext: ctx
      ? {
          contextUrl: ctx.contextUrl,
          environmentId: ctx.environmentId,
          projectId: ctx.projectId,
          pullRequest: ctx.pullRequest
            ? { url: ctx.pullRequest.url, title: ctx.pullRequest.title, fromBranch: ctx.pullRequest.fromBranch, toBranch: ctx.pullRequest.toBranch }
            : undefined,
        }
      : undefined,
    sessionId: meta?.sessionId,
    workflowActionId: meta?.workflowActionId,
    annotations: meta?.annotations,
    failureReason: failureReasonOf(e),
    failureMessage: payload(status?.failureMessage, max),
    warningMessage: payload(status?.warningMessage, max),
    currentActivity: payload(status?.currentActivity, max),
    currentOperation: op
      ? { toolName: op.toolUse?.toolName, toolComplete: op.toolUse?.complete, llmComplete: op.llm?.complete, retries: num(op.retries) }
      : undefined,
    goal: goal
      ? {
          objective: payload(goal.objective, max),
          status: setEnum(goal.status),
          tokensUsed: num(goal.tokensUsed),
          tokenBudget: num(goal.tokenBudget),
          timeUsed: goal.timeUsed,
        }
      : undefined,
    judgement: payload(status?.judgement, max),
    outputs: payload(outputsText(status?.outputs), max),
    iterations: num(status?.iterations),
    inputTokensUsed: num(status?.inputTokensUsed),
    outputTokensUsed: num(status?.outputTokensUsed),
    cachedInputTokensUsed: num(status?.cachedInputTokensUsed),
    cachedCreationTokensUsed: num(status?.cachedCreationTokensUsed),
    contextWindowLength: num(status?.contextWindowLength),
    limits: spec?.limits
      ? { maxInputTokens: num(spec.limits.maxInputTokens), maxIterations: num(spec.limits.maxIterations), maxOutputTokens: num(spec.limits.maxOutputTokens) }
      : undefined,
    supportedModel: setEnum(status?.supportedModel),
    mcpIntegrations: status?.mcpIntegrationStatuses?.map((m) => ({
      name: m.name ?? m.id,
      phase: setEnum(m.phase),
      failureMessage: m.failureMessage ? oneLine(m.failureMessage, 300) : undefined,
    })),
    usedEnvironments: status?.usedEnvironments,
    waitingSince: iso(status?.waitingInfo?.waitingSince),
    conversationUrl: status?.conversationUrl,
    transcriptUrl: status?.transcriptUrl,
    supportBundleUrl: status?.supportBundleUrl,
  });
}

/** A few labelled lines; everything that came from the agent is fenced as untrusted. */
export function detailText(d: AgentExecutionDetail, fence: UntrustedFence): string {
  const phase = shortEnum(d.phase);
  const stopping = d.desiredPhase === 'PHASE_STOPPED' && d.phase !== 'PHASE_STOPPED' ? ', stop requested' : '';
  const ctx = d.codeContext;
  const where = [
    ctx?.projectId ? `project=${ctx.projectId}` : '',
    ctx?.environmentId ? `env=${ctx.environmentId}` : '',
    ctx?.contextUrl?.url ? `context=${ctx.contextUrl.url}` : '',
    ctx?.pullRequest?.url ? `pr=${ctx.pullRequest.url}` : '',
  ].filter(Boolean);
  const op = d.currentOperation;
  const lines = [
    `${d.id}  ${d.state} (${phase || 'no phase'}${stopping})${d.name ? `  ${fence.field('name', oneLine(d.name, 120))}` : ''}${d.mode ? `  mode=${shortEnum(d.mode)}` : ''}`,
    `created ${shortTime(d.createdAt)}${d.updatedAt ? `  updated ${shortTime(d.updatedAt)}` : ''}${d.waitingSince ? `  waiting since ${shortTime(d.waitingSince)}` : ''}`,
    [d.agentId ? `agent=${d.agentId}` : '', d.creator?.id ? `creator=${d.creator.id}` : '', ...where].filter(Boolean).join('  '),
    `iterations=${d.iterations ?? 0}  tokens in/out/cached=${shortCount(d.inputTokensUsed)}/${shortCount(d.outputTokensUsed)}/${shortCount(d.cachedInputTokensUsed)}` +
      (d.limits ? `  limits it=${d.limits.maxIterations ?? '-'} in=${shortCount(d.limits.maxInputTokens)} out=${shortCount(d.limits.maxOutputTokens)}` : ''),
    d.failureReason ? `failure reason: ${shortEnum(d.failureReason)}` : '',
    fence.wrap(d.failureMessage, 'failure message'),
    fence.wrap(d.warningMessage, 'warning'),
    op?.toolName ? `current operation: tool ${op.toolName}${op.toolComplete ? ' (complete)' : ''}${op.retries ? `, ${op.retries} retries` : ''}` : '',
    fence.wrap(d.currentActivity, 'current activity'),
    d.goal ? `goal: ${shortEnum(d.goal.status) || 'no status'}${d.goal.tokensUsed !== undefined ? ` tokens ${shortCount(d.goal.tokensUsed)}/${shortCount(d.goal.tokenBudget)}` : ''}` : '',
    fence.wrap(d.goal?.objective, 'goal objective'),
    fence.wrap(d.judgement, 'judgement'),
    fence.wrap(d.outputs, 'outputs'),
    ...(d.mcpIntegrations ?? [])
      .filter((m) => m.failureMessage)
      .map((m) => `mcp ${m.name ?? '?'} ${shortEnum(m.phase)}: ${fence.wrap(payload(m.failureMessage, 300), 'failure')}`),
    d.conversationUrl ? `conversation: ${d.conversationUrl}` : '',
    d.transcriptUrl ? `transcript: ${d.transcriptUrl}` : '',
    d.state === 'running' || d.state === 'waiting' ? 'Next: stop_agent_execution stops it (needs --allow-writes).' : '',
  ];
  return lines.filter(Boolean).join('\n');
}

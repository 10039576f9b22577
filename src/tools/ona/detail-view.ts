import * as z from 'zod';
import type { AgentExecution } from '../../backends/ona/schemas.js';
import { PayloadSchema, compact, cutAt, oneLine, payload, type UntrustedFence } from '../../server/render.js';
import { count, failureReasonOf, int64Field, onaState, onaTime, sessionOf, setEnum, shortCount, shortEnum, shortTime, stateField, webUrl } from './views.js';

/** The full view of one AgentExecution: every field a person debugging it would look at. */

const counts = int64Field;

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
  sessionId: z.string().optional().describe('The session it ran in: start_agent_execution with this sessionId continues it.'),
  workflowActionId: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  failureReason: z.string().optional(),
  failureMessage: PayloadSchema.optional(),
  warningMessage: PayloadSchema.optional(),
  currentActivity: PayloadSchema.optional(),
  currentOperation: z
    .object({ toolName: z.string().optional(), toolComplete: z.boolean().optional(), llmComplete: z.boolean().optional(), retries: counts })
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
  mcpIntegrations: z.array(z.object({ name: z.string().optional(), phase: z.string().optional(), failureMessage: PayloadSchema.optional() })).optional(),
  usedEnvironments: z.array(z.object({ environmentId: z.string().optional(), createdByAgent: z.boolean().optional() })).optional(),
  waitingSince: z.string().optional(),
  conversationUrl: z.string().optional(),
  transcriptUrl: z.string().optional(),
  supportBundleUrl: z.string().optional(),
  listed: z.record(z.string(), z.number()).optional().describe('Lists cut to their first entries (50, fewer under a small response budget): list name → full length.'),
});
export type AgentExecutionDetail = z.infer<typeof AgentExecutionDetail>;

/** Characters of the description and of the annotations' JSON the text shows (structuredContent has them whole). */
const TEXT_DESCRIPTION_CHARS = 1000;
const TEXT_ANNOTATIONS_CHARS = 500;

/** Characters of an MCP integration's failure message shown: up to 50 are listed. */
const MCP_FAILURE_CHARS = 300;

/** Entries of annotations, MCP integrations and used environments shown at most, whatever the budget. */
const LISTED_MAX = 50;

/**
 * Entries of those lists shown at most: one execution must fit an answer, so a small response
 * budget shows fewer (an integration with its failure takes about 1,000 characters in both blocks);
 * get_agent_execution shows fewer still where even that does not fit.
 */
export function listedAtMost(responseBudgetChars: number): number {
  return Math.max(5, Math.min(LISTED_MAX, Math.floor(responseBudgetChars / 1200)));
}

/** Characters of an annotation key shown (the budget's last resort may cut it further). */
const ANNOTATION_KEY_CHARS = 256;

/** The lists longer than `atMost`, with their full length. */
function listedTotals(totals: Record<string, number>, atMost: number): Record<string, number> | undefined {
  const cut = Object.entries(totals).filter(([, total]) => total > atMost);
  return cut.length > 0 ? Object.fromEntries(cut) : undefined;
}

function shownAnnotations(annotations: Record<string, string> | undefined, atMost: number): Record<string, string> | undefined {
  if (!annotations) return undefined;
  const shown: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations).slice(0, atMost)) {
    let cut = key.length > ANNOTATION_KEY_CHARS ? `${cutAt(key, ANNOTATION_KEY_CHARS - 8)}…` : key;
    // Two long keys alike up to the cut stay two entries.
    for (let n = 2; Object.hasOwn(shown, cut); n += 1) cut = `${cutAt(key, ANNOTATION_KEY_CHARS - 8)}…#${n}`;
    shown[cut] = value;
  }
  return shown;
}

type OutputValue = NonNullable<NonNullable<NonNullable<AgentExecution['status']>['outputs']>[string]>;

/**
 * status.outputs (typed values) → { name: value } as JSON text. Written by hand: an int64 past 2^53
 * (an id a run put out) keeps its exact digits as the number, which JSON.stringify would round.
 */
function outputsText(outputs: NonNullable<AgentExecution['status']>['outputs']): string | undefined {
  if (!outputs || Object.keys(outputs).length === 0) return undefined;
  const members: string[] = [];
  for (const [key, v] of Object.entries(outputs)) {
    if (v) members.push(`${JSON.stringify(key)}:${outputValueText(v)}`);
  }
  return `{${members.join(',')}}`;
}

function outputValueText(v: OutputValue): string {
  if (v.stringValue !== undefined) return JSON.stringify(v.stringValue);
  const int = count(v.intValue, true);
  if (int !== undefined) return String(int);
  return JSON.stringify(v.boolValue ?? v.floatValue ?? null);
}

export function detailOf(e: AgentExecution, requestedId: string, max: number, atMost = 50): AgentExecutionDetail {
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
    createdAt: onaTime(meta?.createdAt),
    updatedAt: onaTime(meta?.updatedAt),
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
    sessionId: sessionOf(e),
    workflowActionId: meta?.workflowActionId,
    annotations: shownAnnotations(meta?.annotations, atMost),
    failureReason: failureReasonOf(e),
    failureMessage: payload(status?.failureMessage, max),
    warningMessage: payload(status?.warningMessage, max),
    currentActivity: payload(status?.currentActivity, max),
    currentOperation: op
      ? { toolName: op.toolUse?.toolName, toolComplete: op.toolUse?.complete, llmComplete: op.llm?.complete, retries: count(op.retries) }
      : undefined,
    goal: goal
      ? {
          objective: payload(goal.objective, max),
          status: setEnum(goal.status),
          tokensUsed: count(goal.tokensUsed),
          tokenBudget: count(goal.tokenBudget),
          timeUsed: goal.timeUsed,
        }
      : undefined,
    judgement: payload(status?.judgement, max),
    outputs: payload(outputsText(status?.outputs), max),
    iterations: count(status?.iterations),
    inputTokensUsed: count(status?.inputTokensUsed),
    outputTokensUsed: count(status?.outputTokensUsed),
    cachedInputTokensUsed: count(status?.cachedInputTokensUsed),
    cachedCreationTokensUsed: count(status?.cachedCreationTokensUsed),
    contextWindowLength: count(status?.contextWindowLength),
    limits: spec?.limits
      ? { maxInputTokens: count(spec.limits.maxInputTokens), maxIterations: count(spec.limits.maxIterations), maxOutputTokens: count(spec.limits.maxOutputTokens) }
      : undefined,
    supportedModel: setEnum(status?.supportedModel),
    // Failing integrations first: they are what a cut list must not lose.
    mcpIntegrations: [...(status?.mcpIntegrationStatuses ?? [])]
      .sort((a, b) => Number(Boolean(b.failureMessage)) - Number(Boolean(a.failureMessage)))
      .slice(0, atMost)
      .map((m) => ({ name: m.name ?? m.id, phase: setEnum(m.phase), failureMessage: payload(m.failureMessage, MCP_FAILURE_CHARS) })),
    usedEnvironments: status?.usedEnvironments?.slice(0, atMost),
    listed: listedTotals(
      {
        annotations: Object.keys(meta?.annotations ?? {}).length,
        mcpIntegrations: status?.mcpIntegrationStatuses?.length ?? 0,
        usedEnvironments: status?.usedEnvironments?.length ?? 0,
      },
      atMost,
    ),
    waitingSince: onaTime(status?.waitingInfo?.waitingSince),
    conversationUrl: webUrl(status?.conversationUrl),
    transcriptUrl: webUrl(status?.transcriptUrl),
    supportBundleUrl: webUrl(status?.supportBundleUrl),
  });
}

/** A few labelled lines; everything that came from the agent is fenced as untrusted. */
export function detailText(d: AgentExecutionDetail, fence: UntrustedFence, writesAllowed: boolean): string {
  const phase = shortEnum(d.phase);
  const stopping = d.desiredPhase === 'PHASE_STOPPED' && d.phase !== 'PHASE_STOPPED' ? ', stop requested' : '';
  const ctx = d.codeContext;
  // Every backend string outside the fence must look like an id, enum or URL (fence.field / inline).
  const where = [
    fence.field('project', ctx?.projectId),
    fence.field('env', ctx?.environmentId),
    fence.field('context', ctx?.contextUrl?.url),
    fence.field('pr', ctx?.pullRequest?.url),
  ].filter(Boolean);
  const op = d.currentOperation;
  const times = [d.createdAt ? `created ${shortTime(d.createdAt)}` : '', d.updatedAt ? `updated ${shortTime(d.updatedAt)}` : '', d.waitingSince ? `waiting since ${shortTime(d.waitingSince)}` : ''];
  const kind = [fence.field('mode', shortEnum(d.mode)), fence.field('role', shortEnum(d.role)), fence.field('model', shortEnum(d.supportedModel))];
  const lines = [
    [`${fence.inline('id', d.id)}  ${d.state} (${fence.inline('phase', phase) || 'no phase'}${stopping})`, d.name ? fence.field('name', oneLine(d.name, 120)) : '', ...kind]
      .filter(Boolean)
      .join('  '),
    fence.wrap(payload(d.description, TEXT_DESCRIPTION_CHARS), 'description'),
    times.filter(Boolean).join('  '),
    [
      fence.field('agent', d.agentId),
      fence.field('creator', d.creator?.id),
      fence.field('session', d.sessionId),
      fence.field('workflowAction', d.workflowActionId),
      ...where,
    ]
      .filter(Boolean)
      .join('  '),
    ...usedEnvironmentLines(d.usedEnvironments, fence),
    fence.wrap(payload(d.annotations ? JSON.stringify(d.annotations) : undefined, TEXT_ANNOTATIONS_CHARS), 'annotations'),
    `iterations=${d.iterations ?? 0}  tokens in/out/cached=${shortCount(d.inputTokensUsed)}/${shortCount(d.outputTokensUsed)}/${shortCount(d.cachedInputTokensUsed)}` +
      limitsText(d.limits),
    d.failureReason ? `failure ${fence.field('reason', shortEnum(d.failureReason))}` : '',
    fence.wrap(d.failureMessage, 'failure message'),
    fence.wrap(d.warningMessage, 'warning'),
    op?.toolName ? `current operation: ${fence.field('tool', op.toolName)}${op.toolComplete ? ' (complete)' : ''}${op.retries ? `, ${op.retries} retries` : ''}` : '',
    fence.wrap(d.currentActivity, 'current activity'),
    // Ona may put any text in goal.status: bare only when it looks like an enum, fenced otherwise.
    d.goal ? [`goal: ${fence.inline('status', shortEnum(d.goal.status)) || 'no status'}${goalTokens(d.goal)}`, fence.field('time', d.goal.timeUsed)].filter(Boolean).join('  ') : '',
    fence.wrap(d.goal?.objective, 'goal objective'),
    fence.wrap(d.judgement, 'judgement'),
    fence.wrap(d.outputs, 'outputs'),
    ...(d.mcpIntegrations ?? [])
      .filter((m) => m.failureMessage)
      .map((m) => `mcp ${fence.inline('integration', m.name) || '?'} ${fence.inline('phase', shortEnum(m.phase))}: ${fence.wrap(m.failureMessage, 'failure')}`),
    fence.field('conversation', d.conversationUrl),
    fence.field('transcript', d.transcriptUrl),
    fence.field('supportBundle', d.supportBundleUrl),
    nextStep(d, writesAllowed),
    ...Object.entries(d.listed ?? {}).map(([list, total]) => listedNote(list, shownOf(d, list), total)),
  ];
  return lines.filter(Boolean).join('\n');
}

/**
 * The environments the agent used, one a line (as structuredContent lists them: a budget's cut of
 * one line of them all kept the first few and lost the rest from the text only), those it created
 * marked in the label, which a cut of the line keeps.
 */
function usedEnvironmentLines(used: AgentExecutionDetail['usedEnvironments'], fence: UntrustedFence): string[] {
  return (used ?? []).map((u) => fence.labelled(u.createdByAgent ? 'used environment, created by the agent' : 'used environment', u.environmentId)).filter(Boolean);
}

/**
 * What a list cut to its first entries holds, named as structuredContent names it, and where more is
 * seen. Short: the budget's cut leaves a line of about 220 characters whole.
 */
function listedNote(list: string, shown: number, total: number): string {
  const which = shown === 0 ? `none of its ${total} entries` : `the first ${shown} of ${total} entries${list === 'mcpIntegrations' ? ' (failing ones first)' : ''}`;
  if (shown >= LISTED_MAX) return `Note: ${list} lists ${which}: get_agent_execution shows no more.`;
  return `Note: ${list} lists ${which}, as many as the response budget leaves room for: a server with a larger --response-budget-chars shows up to ${LISTED_MAX}.`;
}

/** Tokens used of the budget; no budget set is shown as such, not as a budget of 0. */
function goalTokens(goal: NonNullable<AgentExecutionDetail['goal']>): string {
  if (goal.tokenBudget !== undefined) return ` tokens ${shortCount(goal.tokensUsed)}/${shortCount(goal.tokenBudget)}`;
  return goal.tokensUsed !== undefined ? ` tokens ${shortCount(goal.tokensUsed)}, no budget` : '';
}

/** Only the limits that are set: an unset one is no limit, not a limit of 0. */
function limitsText(limits: AgentExecutionDetail['limits']): string {
  if (!limits) return '';
  const set = [
    limits.maxIterations !== undefined ? `it=${limits.maxIterations}` : '',
    limits.maxInputTokens !== undefined ? `in=${shortCount(limits.maxInputTokens)}` : '',
    limits.maxOutputTokens !== undefined ? `out=${shortCount(limits.maxOutputTokens)}` : '',
  ].filter(Boolean);
  return set.length > 0 ? `  limits ${set.join(' ')}` : '';
}

function nextStep(d: AgentExecutionDetail, writesAllowed: boolean): string {
  if (d.state !== 'running' && d.state !== 'waiting' && d.state !== 'pending') return '';
  if (d.desiredPhase === 'PHASE_STOPPED') return 'Next: a stop is under way; get_agent_execution again confirms when it reaches PHASE_STOPPED.';
  const stop = writesAllowed ? 'stop_agent_execution stops it' : 'stopping it needs a server started with --allow-writes';
  if (d.state === 'waiting') return `Next: it waits for an answer in its Ona conversation${d.conversationUrl ? ' (link above)' : ''}; ${stop}.`;
  return `Next: get_agent_execution again follows it; ${stop}.`;
}

function shownOf(d: AgentExecutionDetail, list: string): number {
  if (list === 'annotations') return Object.keys(d.annotations ?? {}).length;
  return (list === 'mcpIntegrations' ? d.mcpIntegrations : d.usedEnvironments)?.length ?? 0;
}

import * as z from 'zod';
import type { AgentExecution } from '../../backends/ona/schemas.js';
import { PayloadSchema, compact, cutAt, oneLine, payload, type UntrustedFence } from '../../server/render.js';
import { count, failureReasonOf, int64Field, onaState, onaTime, sessionOf, setEnum, shortCount, shortEnum, shortTime, stateField, webUrl } from './views.js';

/** The list item: what a triager needs from a (large) AgentExecution, nothing else. */

/** Failure messages in a list are a first hint, not the whole story (get_agent_execution has more). */
const LIST_MESSAGE_CHARS = 240;

export const AgentExecutionSummary = z.object({
  id: z.string(),
  name: z.string().optional(),
  phase: z.string().optional().describe('status.phase, e.g. PHASE_RUNNING.'),
  state: stateField,
  failureReason: z.string().optional(),
  failureMessage: PayloadSchema.optional(),
  agentId: z.string().optional().describe('Left out when the query named exactly this one agent.'),
  creator: z
    .object({ id: z.string().optional(), principal: z.string().optional() })
    .optional()
    .describe('As in get_agent_execution. Left out when the query named exactly this one creator.'),
  codeContext: z
    .object({
      projectId: z.string().optional().describe('Left out when the query named exactly this one project.'),
      environmentId: z.string().optional().describe('Only when there is no projectId. Left out when the query named exactly this one environment.'),
    })
    .optional()
    .describe('Where it ran, as in get_agent_execution: its project, else its environment.'),
  usedEnvironments: z
    .array(z.object({ environmentId: z.string().optional(), createdByAgent: z.boolean().optional() }))
    .optional()
    .describe('Only when codeContext names neither: the first environment the agent used (get_agent_execution lists them all). Left out when the query named exactly this one environment.'),
  sessionId: z.string().optional().describe('The session it ran in: start_agent_execution with this sessionId continues it. Left out when the query named exactly this one session.'),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  iterations: int64Field,
  inputTokensUsed: int64Field,
  outputTokensUsed: int64Field,
  conversationUrl: z.string().optional(),
  transcriptUrl: z.string().optional(),
});
export type AgentExecutionSummary = z.infer<typeof AgentExecutionSummary>;

/** Values every item would repeat because the query fixed them. */
export interface QueryFixed {
  agentId?: string | undefined;
  creatorId?: string | undefined;
  projectId?: string | undefined;
  environmentId?: string | undefined;
  sessionId?: string | undefined;
}

export function summaryOf(e: AgentExecution, fixed: QueryFixed, maxPayloadChars: number): AgentExecutionSummary {
  const spec = e.spec;
  const status = e.status;
  const agentId = spec?.agentId;
  const creator = e.metadata?.creator;
  const projectId = spec?.codeContext?.projectId || undefined;
  const environmentId = spec?.codeContext?.environmentId || undefined;
  // Without a project or environment in the code context (a start from a repository URL), the first one it used says where it ran.
  const used = projectId || environmentId ? undefined : status?.usedEnvironments?.find((u) => u?.environmentId);
  const sessionId = sessionOf(e);
  return compact({
    id: e.id ?? '',
    name: bounded(e.metadata?.name, MAX_NAME_CHARS),
    phase: status?.phase,
    state: onaState(e),
    failureReason: failureReasonOf(e),
    failureMessage: payload(status?.failureMessage, Math.min(LIST_MESSAGE_CHARS, maxPayloadChars)),
    agentId: agentId === fixed.agentId ? undefined : bounded(agentId, MAX_NAME_CHARS),
    // One id is one subject: its principal repeats with it.
    creator:
      !creator || (fixed.creatorId !== undefined && creator.id === fixed.creatorId)
        ? undefined
        : { id: bounded(creator.id, MAX_NAME_CHARS), principal: bounded(setEnum(creator.principal), MAX_NAME_CHARS) },
    // Project or environment: the environment only says more when there is no project.
    codeContext: {
      projectId: projectId === fixed.projectId ? undefined : bounded(projectId, MAX_NAME_CHARS),
      environmentId: projectId || environmentId === fixed.environmentId ? undefined : bounded(environmentId, MAX_NAME_CHARS),
    },
    usedEnvironments:
      used && used.environmentId !== fixed.environmentId ? [{ environmentId: bounded(used.environmentId, MAX_NAME_CHARS), createdByAgent: used.createdByAgent }] : undefined,
    sessionId: sessionId === fixed.sessionId ? undefined : bounded(sessionId, MAX_NAME_CHARS),
    createdAt: onaTime(e.metadata?.createdAt),
    updatedAt: onaTime(e.metadata?.updatedAt),
    iterations: count(status?.iterations),
    inputTokensUsed: count(status?.inputTokensUsed),
    outputTokensUsed: count(status?.outputTokensUsed),
    conversationUrl: bounded(webUrl(status?.conversationUrl), MAX_URL_CHARS),
    transcriptUrl: bounded(webUrl(status?.transcriptUrl), MAX_URL_CHARS),
  });
}

/**
 * Names, ids and links are not payloads, but nothing bounds them either: one 60,000-character name
 * would fill a whole answer and hold up the items after it. Cut far beyond any real value (a
 * presigned link runs to a couple of thousand characters), marked with "…".
 */
const MAX_NAME_CHARS = 512;
const MAX_URL_CHARS = 4096;

function bounded(value: string | undefined, max: number): string | undefined {
  return value !== undefined && value.length > max ? `${cutAt(value, max)}…` : value;
}

const IMPLIED_PHASE: Record<string, string> = {
  running: 'PHASE_RUNNING',
  waiting: 'PHASE_WAITING_FOR_INPUT',
  pending: 'PHASE_PENDING',
  succeeded: 'PHASE_STOPPED',
  failed: 'PHASE_STOPPED',
  aborted: 'PHASE_STOPPED',
};

/**
 * One line per execution; enum prefixes shortened, the failure message fenced as untrusted. The
 * links stay in structuredContent and get_agent_execution's text: each runs to 70 characters or
 * more, and on every line they would keep a default listing of 50 from fitting one answer.
 */
export function summaryLine(s: AgentExecutionSummary, fence: UntrustedFence): string {
  // The phase is shown only when the state does not already imply it.
  const implied = s.phase === (IMPLIED_PHASE[s.state] ?? s.phase);
  // Every backend string outside the fence must look like an id or enum (fence.field / inline).
  const state = s.phase && !implied ? `${s.state} (${fence.inline('phase', shortEnum(s.phase))})` : s.state;
  const parts = [
    fence.inline('id', s.id),
    state,
    fence.field('name', s.name ? oneLine(s.name, 80) : undefined),
    s.createdAt ? `created ${shortTime(s.createdAt)}` : '',
    s.updatedAt && s.updatedAt !== s.createdAt ? `updated ${shortTime(s.updatedAt)}` : '',
    // proto3 JSON leaves out zeros: any one count set is worth the whole group.
    s.iterations !== undefined || s.inputTokensUsed !== undefined || s.outputTokensUsed !== undefined
      ? `it=${s.iterations ?? 0} tokens in/out=${shortCount(s.inputTokensUsed)}/${shortCount(s.outputTokensUsed)}`
      : '',
    fence.field('agent', s.agentId),
    fence.field('creator', s.creator?.id),
    s.codeContext?.projectId ? fence.field('project', s.codeContext.projectId) : fence.field('env', s.codeContext?.environmentId ?? s.usedEnvironments?.[0]?.environmentId),
    fence.field('session', s.sessionId),
    fence.field('reason', s.failureReason ? shortEnum(s.failureReason) : undefined),
    // Flattened so the item stays on one line.
    s.failureMessage ? fence.wrap({ ...s.failureMessage, untrustedData: s.failureMessage.untrustedData.replace(/\s+/g, ' ') }, 'failure') : '',
  ];
  return parts.filter(Boolean).join('  ');
}

import * as z from 'zod';
import type { AgentExecution } from '../../backends/ona/schemas.js';
import { defineTool, type ToolContext, type ToolOutput } from '../../server/define-tool.js';
import { BackendError, withHint } from '../../server/errors.js';
import { idField, onaState, shortEnum, stateField } from './views.js';

const StopOutputSchema = z.object({
  agentExecutionId: z.string(),
  stopRequested: z.boolean().describe('A stop is requested: by this call, or by an earlier one (alreadyStopping).'),
  alreadyEnded: z.literal(true).optional().describe('It had ended (PHASE_STOPPED) before this call: nothing was changed.'),
  alreadyStopping: z.literal(true).optional().describe('A stop had been requested before this call: nothing was changed.'),
  state: stateField.optional().describe('Normalised state this call read, when nothing was changed.'),
});
type StopOutput = z.input<typeof StopOutputSchema>;

export const stopAgentExecution = defineTool({
  name: 'stop_agent_execution',
  title: 'Stop Ona agent execution',
  description:
    'Stop a running or waiting Ona agent execution (StopAgentExecution). It ends in PHASE_STOPPED; the stop is asynchronous, so confirm with get_agent_execution. ' +
    'An execution that already ended, or is already stopping, is left as it is (and says so).',
  toolset: 'ona',
  operation: 'destructive',
  inputSchema: z.object({
    agentExecutionId: idField('Id of the agent execution to stop (from list_agent_executions).'),
  }),
  outputSchema: StopOutputSchema,
  errorHints: {
    not_found: 'call list_agent_executions with statusPhases=["PHASE_RUNNING","PHASE_WAITING_FOR_INPUT"] to find executions that can be stopped',
    // No answer: the stop may have been applied all the same.
    'StopAgentExecution:timeout': 'the stop may have reached Ona anyway: get_agent_execution shows whether it is stopping; calling stop_agent_execution again is safe',
    'StopAgentExecution:unavailable': 'the stop may have reached Ona anyway: get_agent_execution shows whether it is stopping; calling stop_agent_execution again is safe',
    // Ona's own cancel (the client cancelled nothing): it may have come after the stop took effect.
    'StopAgentExecution:cancelled': 'the stop may have reached Ona anyway: get_agent_execution shows whether it is stopping; calling stop_agent_execution again is safe',
    // One execution: nothing to narrow.
    throttled: 'Ona is throttling requests (a rate limit or quota); wait a few seconds and call again',
    timeout: 'Ona did not answer in time; calling stop_agent_execution again is safe',
  },
  async handler(args, ctx) {
    const id = args.agentExecutionId;
    const ona = await ctx.backends.ona();
    // Look first: stopping what has ended (or is stopping) changes nothing and must not spend a write.
    const current = await ona.getAgentExecution(id, ctx.signal);
    const state = onaState(current);
    if (current.status?.phase === 'PHASE_STOPPED') {
      return {
        structured: { agentExecutionId: id, stopRequested: false, alreadyEnded: true as const, state },
        text: `Agent execution ${id} had already ended (${state}); nothing was changed.`,
      };
    }
    if (current.spec?.desiredPhase === 'PHASE_STOPPED') {
      return {
        structured: { agentExecutionId: id, stopRequested: true, alreadyStopping: true as const, state },
        text: `A stop was already requested for agent execution ${id} (still ${stillIn(current, ctx)}); nothing was changed. Next: get_agent_execution to confirm it reaches PHASE_STOPPED.`,
      };
    }
    ctx.spendWrite();
    try {
      await ona.stopAgentExecution(id, ctx.signal);
    } catch (err) {
      if (!(err instanceof BackendError) || err.kind !== 'conflict') throw err;
      let now: AgentExecution;
      try {
        now = await ona.getAgentExecution(id, ctx.signal);
      } catch {
        // The refusal is the answer; a refused only attempt did nothing.
        if ((err.details.attempts ?? 1) <= 1) ctx.refundWrites();
        throw withHint(err, `Ona refused the stop, and reading agent execution ${id} again failed: get_agent_execution shows its phase; call stop_agent_execution again if it is still running`);
      }
      return refused(id, err, now, ctx);
    }
    return {
      structured: { agentExecutionId: id, stopRequested: true },
      text: `Stop requested for agent execution ${id}. Next: get_agent_execution to confirm it reached PHASE_STOPPED.`,
    };
  },
});

/**
 * Ona refused the stop (failed_precondition, aborted): what the execution shows now is the answer.
 * It was neither stopped nor stopping a moment ago, so it ended on its own, another caller asked to
 * stop it, an attempt of this call whose answer was lost did (it is retried), or it is still running.
 */
function refused(id: string, err: BackendError, now: AgentExecution, ctx: ToolContext): ToolOutput<StopOutput> {
  const state = onaState(now);
  const ended = now.status?.phase === 'PHASE_STOPPED';
  const stopAsked = now.spec?.desiredPhase === 'PHASE_STOPPED';
  // One attempt, refused: nothing of this call reached the execution.
  const onlyRefused = (err.details.attempts ?? 1) <= 1;
  if (ended && (!stopAsked || onlyRefused)) {
    // No stop of this call took effect (none was requested, or the only attempt was refused).
    ctx.refundWrites();
    return {
      structured: { agentExecutionId: id, stopRequested: false, alreadyEnded: true, state },
      text: `Agent execution ${id} ended (${state}) ${stopAsked ? 'after a stop another caller requested' : 'on its own'} before this stop reached it; nothing was changed.`,
    };
  }
  if (stopAsked && onlyRefused) {
    ctx.refundWrites();
    return {
      structured: { agentExecutionId: id, stopRequested: true, alreadyStopping: true, state },
      text: `A stop was requested for agent execution ${id} by another caller just before this one (still ${stillIn(now, ctx)}); nothing was changed. Next: get_agent_execution to confirm it reaches PHASE_STOPPED.`,
    };
  }
  if (stopAsked) {
    // An attempt of this call whose answer was lost may have asked for it: a stop is under way.
    return {
      structured: { agentExecutionId: id, stopRequested: true },
      text: `A stop is under way for agent execution ${id} (Ona refused a repeated request: it is already ${ended ? 'stopped' : 'stopping'}). Next: get_agent_execution to confirm it reached PHASE_STOPPED.`,
    };
  }
  // Still running with no stop requested: the refusal was about a passing state.
  throw withHint(
    err,
    `read again after the refusal, agent execution ${id} is still ${phaseInAdvice(now)} (${state}) with no stop requested, so nothing was stopped: ` +
      'call stop_agent_execution again in a few seconds; if Ona refuses again, get_agent_execution shows what it is doing',
  );
}

/** The phase a stop left alone is still in: Ona may put any text there, so bare only when it looks like an enum. */
function stillIn(e: AgentExecution, ctx: ToolContext): string {
  return ctx.fence.inline('phase', shortEnum(e.status?.phase)) || 'PENDING';
}

/** The same for an error's advice, which holds our words only (never fenced): any other text is not shown at all. */
function phaseInAdvice(e: AgentExecution): string {
  const phase = shortEnum(e.status?.phase);
  if (!phase) return 'PENDING';
  return /^[A-Z][A-Z0-9_]{0,63}$/.test(phase) ? phase : 'in a phase this server does not know';
}

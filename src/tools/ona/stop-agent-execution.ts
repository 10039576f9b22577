import * as z from 'zod';
import { defineTool } from '../../server/define-tool.js';
import { BackendError } from '../../server/errors.js';
import { idField, onaState, shortEnum, stateField } from './views.js';

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
  outputSchema: z.object({
    agentExecutionId: z.string(),
    stopRequested: z.boolean().describe('A stop is requested: by this call, or by an earlier one (alreadyStopping).'),
    alreadyEnded: z.literal(true).optional().describe('It had ended (PHASE_STOPPED) before this call: nothing was changed.'),
    alreadyStopping: z.literal(true).optional().describe('A stop had been requested before this call: nothing was changed.'),
    state: stateField.optional().describe('Normalised state before this call, when nothing was changed.'),
  }),
  errorHints: {
    not_found: 'call list_agent_executions with statusPhases=["PHASE_RUNNING","PHASE_WAITING_FOR_INPUT"] to find executions that can be stopped',
    // No answer: the stop may have been applied all the same.
    'StopAgentExecution:timeout': 'the stop may have reached Ona anyway: get_agent_execution shows whether it is stopping; calling stop_agent_execution again is safe',
    'StopAgentExecution:unavailable': 'the stop may have reached Ona anyway: get_agent_execution shows whether it is stopping; calling stop_agent_execution again is safe',
    // It was running when looked at just before: it ended, or began stopping, in between.
    'StopAgentExecution:conflict': 'it most likely ended or began stopping since it was looked at a moment ago: get_agent_execution shows its phase now',
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
        text: `A stop was already requested for agent execution ${id} (still ${shortEnum(current.status?.phase) || 'PENDING'}); nothing was changed. Next: get_agent_execution to confirm it reaches PHASE_STOPPED.`,
      };
    }
    ctx.spendWrite();
    try {
      await ona.stopAgentExecution(id, ctx.signal);
    } catch (err) {
      // Refused because it is stopping or stopped: an attempt of this call whose answer was lost
      // (it is retried), or another caller, got there first. What it shows now is the answer.
      if (!(err instanceof BackendError) || err.kind !== 'conflict') throw err;
      const now = await ona.getAgentExecution(id, ctx.signal);
      if (now.spec?.desiredPhase !== 'PHASE_STOPPED' && now.status?.phase !== 'PHASE_STOPPED') throw err;
      return {
        structured: { agentExecutionId: id, stopRequested: true },
        text: `A stop is under way for agent execution ${id} (Ona refused a repeated request: it is already ${now.status?.phase === 'PHASE_STOPPED' ? 'stopped' : 'stopping'}). Next: get_agent_execution to confirm it reached PHASE_STOPPED.`,
      };
    }
    return {
      structured: { agentExecutionId: id, stopRequested: true },
      text: `Stop requested for agent execution ${id}. Next: get_agent_execution to confirm it reached PHASE_STOPPED.`,
    };
  },
});

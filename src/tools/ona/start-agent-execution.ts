import * as z from 'zod';
import type { StartAgentRequest } from '../../backends/ona/schemas.js';
import { defineTool } from '../../server/define-tool.js';
import { waitText } from '../../backends/ona/errors.js';
import { BackendError, ToolError, withHint, type ErrorKind } from '../../server/errors.js';
import { compact } from '../../server/render.js';
import { annotationsField } from './list-agent-executions.js';
import { AGENT_MODES, idField } from './views.js';

export const startAgentExecution = defineTool({
  name: 'start_agent_execution',
  title: 'Start Ona agent execution',
  description:
    'Start an Ona agent (StartAgent) on a code context: a repository URL (codeContext.contextUrl), an existing environment or a project. ' +
    'Returns the new agentExecutionId; follow with get_agent_execution to watch it. Each call starts a new execution.',
  toolset: 'ona',
  operation: 'write',
  inputSchema: z.object({
    agentId: idField('Agent to run. Omit for the configured default agent (else the in-environment Ona agent).').optional(),
    // Strict at every level: a misspelt nested key (environmentClassID) must not be dropped silently.
    codeContext: z
      .strictObject({
        contextUrl: z
          .strictObject({
            // A URL parser drops tabs and line breaks: refused here, so what starts is what was asked for.
            url: z
              .string()
              .max(2048)
              .regex(/^[^\s\u0000-\u001f\u007f-\u009f]+$/, { message: 'must not contain spaces, tabs or line breaks' })
              .pipe(z.url({ protocol: /^https?$/ }))
              .refine((url) => !URL.canParse(url) || (new URL(url).username === '' && new URL(url).password === ''), { message: 'must not carry credentials (user:password@)' })
              .describe('Repository or branch URL to open, e.g. https://github.com/org/repo.'),
            environmentClassId: idField('Environment class for the new environment; omit for the default.').optional(),
          })
          .optional()
          .describe('Create a new environment from this URL.'),
        environmentId: idField('Run in this existing environment.').optional(),
        projectId: idField('Create an environment from this project.').optional(),
      })
      .optional()
      .describe('Where the agent works: give exactly one of contextUrl, environmentId or projectId. Required unless sessionId continues a session.'),
    name: z
      .string()
      .min(1)
      .max(200)
      .refine((name) => name.trim() !== '' && !/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(name), { message: 'must be visible text, with no line breaks or direction overrides' })
      .optional()
      .describe('Name of the execution, shown in lists.'),
    mode: z.enum(AGENT_MODES).optional().describe('Agent mode; omit for the agent default (execution).'),
    annotations: annotationsField.optional().describe('Key/value annotations stored on the execution (at most 32); list_agent_executions can filter on them.'),
    runnerId: idField('Runner on which to create the environment; omit for the default.').optional(),
    sessionId: idField('Continue this session; omit to start a new session.').optional(),
    workflowActionId: idField('Workflow action this execution belongs to, when started on behalf of a workflow.').optional(),
  }),
  outputSchema: z.object({
    agentExecutionId: z.string(),
  }),
  errorHints: {
    invalid_argument: 'check agentId, codeContext (exactly one of contextUrl, environmentId, projectId) and mode, then call again',
    not_found: 'the agent, environment or project does not exist for this API key; check the ids',
    failed_precondition: 'the environment or project cannot host an agent right now (stopped or deleting?)',
  },
  async handler(args, ctx) {
    const cc = args.codeContext;
    // Nowhere to work: a slip that would still start (and bill) a real agent run.
    if (!cc && args.sessionId === undefined) {
      throw new ToolError('Give codeContext (exactly one of contextUrl, environmentId or projectId) to say where the agent works, or sessionId to continue a session. Nothing was started.');
    }
    const given = cc ? [cc.contextUrl, cc.environmentId, cc.projectId].filter((v) => v !== undefined).length : 0;
    if (cc && given !== 1) {
      throw new ToolError('codeContext needs exactly one of contextUrl, environmentId or projectId. Nothing was started.');
    }
    const request: StartAgentRequest = compact({
      agentId: args.agentId,
      codeContext: cc,
      name: args.name,
      mode: args.mode,
      runnerId: args.runnerId,
      sessionId: args.sessionId,
      workflowActionId: args.workflowActionId,
    });
    // Outside compact(): an annotation with an empty value is still stored.
    if (args.annotations) request.annotations = args.annotations;
    const ona = await ctx.backends.ona();
    ctx.spendWrite();
    let out: { agentExecutionId: string };
    try {
      out = await ona.startAgent(request, ctx.signal);
    } catch (err) {
      // Retried only on 429s and refused connections: a 429 at the end means no attempt started anything.
      if (err instanceof BackendError && err.kind === 'throttled') ctx.refundWrites();
      throw startFailure(err);
    }
    return {
      structured: { agentExecutionId: out.agentExecutionId },
      text: `Started agent execution ${ctx.fence.inline('agentExecutionId', out.agentExecutionId)}. Next: get_agent_execution to follow it.`,
    };
  },
});

const MAY_HAVE_STARTED = 'the agent may have started anyway: check list_agent_executions (newest first, or filter by the annotations you set) before calling again';

/**
 * Failures after which the agent may have started: no answer (a timeout, a dropped connection),
 * a 5xx, Ona's own data_loss or canceled, or an answer that is not StartAgent's (even a 200
 * without an id: Ona took the request). StartAgent is not retried after any of them.
 */
const MAY_HAVE_STARTED_KINDS = new Set<ErrorKind>(['timeout', 'unavailable', 'internal', 'cancelled', 'malformed_response']);

/**
 * The advice for a failed start. Whether an agent may have started matters more than anything
 * else the error says (a Retry-After on a 503 included): calling again blindly starts a second one.
 */
function startFailure(err: unknown): unknown {
  if (!(err instanceof BackendError)) return err;
  const wait = err.details.retryAfterSeconds !== undefined && err.details.retryAfterSeconds >= 1 ? waitText(err.details.retryAfterSeconds) : undefined;
  if (err.kind === 'throttled') {
    return withHint(err, `Ona refused to start more agents now (rate limit or quota), so nothing was started; ${wait ? `Ona asked to wait ${wait} (Retry-After): call again after that` : 'wait a little and call again'}`);
  }
  if (!MAY_HAVE_STARTED_KINDS.has(err.kind)) return err;
  const asked = wait ? `; if it did not, Ona asked to wait ${wait} (Retry-After) before calling again` : '';
  return withHint(err, `${err.kind === 'malformed_response' ? 'Ona answered, so ' : ''}${MAY_HAVE_STARTED}${asked}`);
}

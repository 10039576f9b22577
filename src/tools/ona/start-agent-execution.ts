import * as z from 'zod';
import { waitText } from '../../backends/ona/errors.js';
import type { StartAgentRequest } from '../../backends/ona/schemas.js';
import { defineTool, type ToolContext, type ToolOutput } from '../../server/define-tool.js';
import { BackendError, ToolError, isRefusal, withHint, type ErrorKind } from '../../server/errors.js';
import { jsonCost } from '../../server/budget.js';
import { compact, cutAt } from '../../server/render.js';
import { annotationsField } from './list-agent-executions.js';
import { AGENT_MODES, ONA_ID_MAX, idField } from './views.js';

const StartOutputSchema = z.object({
  agentExecutionId: z.string(),
  idUnusable: z
    .literal(true)
    .optional()
    .describe(
      `The id Ona returned is not one get_agent_execution or stop_agent_execution accept (letters, digits, dot, dash, underscore or colon; at most ${ONA_ID_MAX} characters): find the new execution with list_agent_executions.`,
    ),
  idCutFrom: z.number().int().optional().describe('agentExecutionId holds only the start of the id Ona returned, which had this many characters (too long for the response budget).'),
});
type StartOutput = z.input<typeof StartOutputSchema>;

/** Characters that show nothing: format characters (zero-width, direction marks and overrides, soft hyphen), the grapheme joiner, Hangul fillers. */
const INVISIBLE = /[\p{Cf}\u034f\u115f\u1160\u3164\uffa0]/u;
/** A character that shows something: not a space, a control, a combining mark on its own, nor one of INVISIBLE. */
const VISIBLE = /[^\s\p{Cc}\p{Cf}\p{M}\u034f\u115f\u1160\u3164\uffa0\u2800]/u;

/**
 * A user or password in the URL, also an empty one (https://:@host): the raw authority is read,
 * as a parser that keeps what WHATWG drops would.
 */
function hasCredentials(url: string): boolean {
  if (/^[a-z][a-z\d+.-]*:\/\/[^/?#]*@/i.test(url)) return true;
  return URL.canParse(url) && (new URL(url).username !== '' || new URL(url).password !== '');
}

/** What get_agent_execution and stop_agent_execution take as an id. */
const onaId = idField('');

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
            // Refinements, not patterns: a host that checks a JSON Schema pattern without the u flag would misread \p{…}.
            url: z
              .string()
              .max(2048)
              .regex(/^[^\s\u0000-\u001f\u007f-\u009f]+$/, { message: 'must not contain spaces, tabs or line breaks' })
              .refine((url) => !INVISIBLE.test(url), {
                message: 'must not contain invisible or formatting characters (such as U+200B zero-width space, U+202E right-to-left override or U+00AD soft hyphen): they hide what the URL opens',
              })
              .refine((url) => !url.includes('\\'), {
                message: 'must not contain a backslash: URL parsers disagree on it (one reads https://github.com\\@evil.com/a as github.com, another as evil.com); write / or %5C instead',
              })
              .pipe(z.url({ protocol: /^https?$/ }))
              .refine((url) => !hasCredentials(url), { message: 'must not carry credentials (user:password@)' })
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
      .refine((name) => !/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(name), { message: 'must be visible text, with no line breaks or direction overrides' })
      .refine((name) => VISIBLE.test(name), {
        message: 'must be visible text: it has only spaces or invisible characters (such as U+200B zero-width space, U+200E/U+200F direction marks or U+00AD soft hyphen)',
      })
      .optional()
      .describe('Name of the execution, shown in lists.'),
    mode: z.enum(AGENT_MODES).optional().describe('Agent mode; omit for the agent default (execution).'),
    annotations: annotationsField.optional().describe('Key/value annotations stored on the execution (at most 32); list_agent_executions can filter on them.'),
    runnerId: idField('Runner on which to create the environment; omit for the default.').optional(),
    sessionId: idField('Continue this session (the sessionId get_agent_execution and list_agent_executions show); omit to start a new session.').optional(),
    workflowActionId: idField('Workflow action this execution belongs to, when started on behalf of a workflow.').optional(),
  }),
  outputSchema: StartOutputSchema,
  errorHints: {
    invalid_argument: 'check agentId, codeContext (exactly one of contextUrl, environmentId, projectId) and mode, then call again',
    not_found: 'the agent, environment or project does not exist for this API key; check the ids',
    failed_precondition: 'the environment, project or session cannot take a new agent right now (stopped or deleting?)',
    already_exists: 'check list_agent_executions (newest first, or filter by the session or annotations you used) for the execution that already exists before starting another',
    aborted: 'Ona aborted the start because of a concurrent change, so nothing was started; call again',
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
      // Retried only on 429s and refused connections, which start nothing: a 429 or a refusal at the
      // end means no attempt started anything, however many there were.
      if ((err instanceof BackendError && err.kind === 'throttled') || isRefusal(err)) ctx.refundWrites();
      throw startFailure(err);
    }
    if (!onaId.safeParse(out.agentExecutionId).success) return unusableId(out.agentExecutionId, ctx);
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

/**
 * Ona took the start but answered with an id no other tool accepts (a space, a control character,
 * or too long): passing it on as a plain success would send the model to get_agent_execution with
 * it, in vain. The id is kept whole when it fits the response budget, else its start, and says so.
 */
function unusableId(id: string, ctx: ToolContext): ToolOutput<StartOutput> {
  const { maxPayloadChars, responseBudgetChars } = ctx.config.limits;
  // The text shows at most 512 characters of it; the rest of the budget is the structured id's.
  const fits = jsonCost(id) + 2000 <= responseBudgetChars;
  const kept = fits ? id : cutAt(id, maxPayloadChars);
  const why = id.length > ONA_ID_MAX ? `it has ${id.length} characters, at most ${ONA_ID_MAX} are accepted` : 'it holds characters other than letters, digits, dot, dash, underscore or colon';
  const cut = fits ? '' : ` The structured agentExecutionId holds only its first ${kept.length} characters (idCutFrom gives the full length).`;
  return {
    structured: fits ? { agentExecutionId: id, idUnusable: true } : { agentExecutionId: kept, idUnusable: true, idCutFrom: id.length },
    text:
      `Ona accepted the start, but the agentExecutionId it returned is not an id the other tools accept (${why}): ${ctx.fence.inline('agentExecutionId', id)}.${cut} ` +
      'Next: find the new execution with list_agent_executions (newest first, or filter by the annotations you set), and use the id it lists.',
  };
}

import type { Config } from '../../config.js';
import { BackendError } from '../../server/errors.js';
import { createRpc, type RpcOptions } from './rpc.js';
import {
  EmptyResponseSchema,
  GetAgentExecutionResponseSchema,
  ListAgentExecutionsResponseSchema,
  StartAgentResponseSchema,
  type AgentExecution,
  type ListAgentExecutionsRequest,
  type ListAgentExecutionsResponse,
  type StartAgentRequest,
} from './schemas.js';

/** The AgentService RPCs the tools use, behind one narrow module. */
export interface OnaBackend {
  listAgentExecutions(input: ListAgentExecutionsRequest, signal: AbortSignal): Promise<ListAgentExecutionsResponse>;
  getAgentExecution(agentExecutionId: string, signal: AbortSignal): Promise<AgentExecution>;
  startAgent(input: StartAgentRequest, signal: AbortSignal): Promise<{ agentExecutionId: string }>;
  stopAgentExecution(agentExecutionId: string, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** Transport knobs for tests and benchmarks; deliberately not user configuration. */
export type OnaBackendOptions = Partial<Omit<RpcOptions, 'baseUrl' | 'apiKey'>>;

export const NOT_CONFIGURED_MESSAGE =
  'no Ona API key is configured. Set ONA_API_KEY (or GITPOD_API_KEY) to an Ona personal access token in the environment ' +
  'of the executions-mcp server and restart it; set ONA_BASE_URL (or GITPOD_BASE_URL) too when your Ona instance is not https://app.gitpod.io/api';

export function notConfigured(operation: string): BackendError {
  return new BackendError('Ona', operation, 'not_configured', 'not_configured', NOT_CONFIGURED_MESSAGE);
}

export function createOnaBackend(config: Config, options: OnaBackendOptions = {}): OnaBackend {
  const apiKey = config.ona.apiKey;
  if (!apiKey) throw notConfigured('setup');
  const rpc = createRpc({
    baseUrl: config.ona.baseUrl,
    apiKey,
    maxRetries: options.maxRetries ?? 2,
    minRetryDelayMs: options.minRetryDelayMs ?? 500,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 8000,
    timeoutMs: options.timeoutMs ?? 30_000,
  });

  return {
    listAgentExecutions: (input, signal) =>
      rpc.call('ListAgentExecutions', input, ListAgentExecutionsResponseSchema, 'idempotent', signal),
    async getAgentExecution(agentExecutionId, signal) {
      const out = await rpc.call('GetAgentExecution', { agentExecutionId }, GetAgentExecutionResponseSchema, 'idempotent', signal);
      if (!out.agentExecution) {
        throw new BackendError('Ona', 'GetAgentExecution', 'malformed_response', 'malformed_response', 'the reply held no agentExecution');
      }
      return out.agentExecution;
    },
    async startAgent(input, signal) {
      const out = await rpc.call('StartAgent', input, StartAgentResponseSchema, 'once', signal);
      if (!out.agentExecutionId) {
        throw new BackendError('Ona', 'StartAgent', 'malformed_response', 'malformed_response', 'the reply held no agentExecutionId');
      }
      return { agentExecutionId: out.agentExecutionId };
    },
    async stopAgentExecution(agentExecutionId, signal) {
      await rpc.call('StopAgentExecution', { agentExecutionId }, EmptyResponseSchema, 'idempotent', signal);
    },
    close: () => rpc.close(),
  };
}

import { activeToolsets, type Config } from '../config.js';
import { getAgentExecution } from '../tools/ona/get-agent-execution.js';
import { listAgentExecutions } from '../tools/ona/list-agent-executions.js';
import { startAgentExecution } from '../tools/ona/start-agent-execution.js';
import { stopAgentExecution } from '../tools/ona/stop-agent-execution.js';
import { describeExecution } from '../tools/sfn/describe-execution.js';
import { getExecutionHistory } from '../tools/sfn/get-execution-history.js';
import { listExecutions } from '../tools/sfn/list-executions.js';
import { listStateMachines } from '../tools/sfn/list-state-machines.js';
import { redriveExecution } from '../tools/sfn/redrive-execution.js';
import { startExecution } from '../tools/sfn/start-execution.js';
import { stopExecution } from '../tools/sfn/stop-execution.js';
import type { ToolDefinition } from './define-tool.js';

/**
 * Every tool, in the fixed order clients see them (a stable order helps prompt caching).
 * A new tool is one file plus one line here.
 */
export function allTools(): ToolDefinition[] {
  return [
    listStateMachines,
    listExecutions,
    describeExecution,
    getExecutionHistory,
    startExecution,
    stopExecution,
    redriveExecution,
    listAgentExecutions,
    getAgentExecution,
    startAgentExecution,
    stopAgentExecution,
  ];
}

/** The tools a server with this configuration exposes: active toolsets, and writes only when allowed. */
export function selectTools(config: Config): ToolDefinition[] {
  const toolsets = new Set(activeToolsets(config));
  return allTools().filter((tool) => toolsets.has(tool.toolset) && (tool.operation === 'read' || config.allowWrites));
}

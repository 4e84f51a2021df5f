/**
 * The workflow events of chatflow (advanced-chat) and workflow streams, with the key sets and order of
 * `core/app/entities/task_entities.py` (`WorkflowStartStreamResponse`, `NodeStartStreamResponse`,
 * `NodeFinishStreamResponse`, `WorkflowFinishStreamResponse`) as built by
 * `core/app/apps/common/workflow_response_converter.py`.
 */
import { randomUUID } from "node:crypto";

/** One node of the stand-in's graphs: Start -> LLM -> Answer (chatflow) or End (workflow). */
export interface GraphNode {
  nodeId: string;
  type: "start" | "llm" | "answer" | "end";
  title: string;
  index: number;
  /** The node execution id, shared by its node_started and node_finished. */
  executionId: string;
}

/** The three nodes of a run, with fresh execution ids. */
export function graph(last: "answer" | "end"): [GraphNode, GraphNode, GraphNode] {
  return [
    { nodeId: "1769578391251", type: "start", title: "开始", index: 1, executionId: randomUUID() },
    { nodeId: "1769578395001", type: "llm", title: "LLM", index: 2, executionId: randomUUID() },
    last === "answer"
      ? { nodeId: "answer", type: "answer", title: "直接回复", index: 3, executionId: randomUUID() }
      : { nodeId: "1769578399002", type: "end", title: "结束", index: 3, executionId: randomUUID() },
  ];
}

const now = () => Math.floor(Date.now() / 1000);

/** `workflow_started.data`. */
export function workflowStartedData(runId: string, workflowId: string, inputs: Record<string, unknown>): Record<string, unknown> {
  return { id: runId, workflow_id: workflowId, inputs, created_at: now() };
}

/** `node_started.data`. */
export function nodeStartedData(node: GraphNode): Record<string, unknown> {
  return {
    id: node.executionId, node_id: node.nodeId, node_type: node.type, title: node.title, index: node.index,
    predecessor_node_id: null, inputs: null, inputs_truncated: false, created_at: now(), extras: {}, iteration_id: null,
    loop_id: null, agent_strategy: null,
  };
}

/** `node_finished.data`; `error` makes it a failed node. */
export function nodeFinishedData(
  node: GraphNode,
  outputs: Record<string, unknown> | null,
  error: string | null = null,
): Record<string, unknown> {
  return {
    id: node.executionId, node_id: node.nodeId, node_type: node.type, title: node.title, index: node.index,
    predecessor_node_id: null, inputs: {}, inputs_truncated: false, process_data: null, process_data_truncated: false,
    outputs: error === null ? outputs : null, outputs_truncated: false, status: error === null ? "succeeded" : "failed",
    error, elapsed_time: 0.01, execution_metadata: null, created_at: now(), finished_at: now(), files: [],
    iteration_id: null, loop_id: null,
  };
}

/** `workflow_finished.data`: status succeeded, failed or stopped. */
export function workflowFinishedData(
  runId: string,
  workflowId: string,
  status: "succeeded" | "failed" | "stopped",
  outputs: Record<string, unknown> | null,
  error: string | null,
  user: string,
  files: unknown[],
): Record<string, unknown> {
  return {
    id: runId, workflow_id: workflowId, status, outputs, error, elapsed_time: 0.1, total_tokens: 42, total_steps: 3,
    created_by: { id: randomUUID(), user }, created_at: now(), finished_at: now(), exceptions_count: 0, files,
  };
}

/**
 * A file as graphon's File serialises into outputs and `files` lists (`dify_model_identity` "__dify__file__", the
 * tool file's id in `related_id`, a URL signed at each serialisation).
 */
export function fileDict(toolFileId: string, signedUrl: string): Record<string, unknown> {
  return {
    dify_model_identity: "__dify__file__", id: null, tenant_id: "5d2b1f3a-7c9e-4a1b-8d6f-0e2c4a6b8d0f", type: "image",
    transfer_method: "tool_file", remote_url: null, related_id: toolFileId, filename: "generated.png", extension: ".png",
    mime_type: "image/png", size: 68, url: signedUrl,
  };
}

/** `message_end.metadata` for a run that used 42 tokens (prices as strings, as Decimal serialises). */
export function messageEndMetadata(): Record<string, unknown> {
  return {
    annotation_reply: null,
    retriever_resources: [],
    usage: {
      prompt_tokens: 30, prompt_unit_price: "0.0", prompt_price_unit: "0.0", prompt_price: "0.0", completion_tokens: 12,
      completion_unit_price: "0.0", completion_price_unit: "0.0", completion_price: "0.0", total_tokens: 42,
      total_price: "0.0", currency: "USD", latency: 0.5, time_to_first_token: null, time_to_generate: null,
    },
  };
}

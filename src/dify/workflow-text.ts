/**
 * The answer text of a workflow app while it streams. Dify streams every output of the End node, in the End node's
 * order, as `text_chunk` events: an End node is a template of its outputs joined by "\n"
 * (`core/workflow/nodes/base/template.py` `Template.from_end_outputs`); a streamed variable's chunks carry its source
 * selector (`[node_id, variable]`), a non-streamed value comes whole as `value.markdown` (JSON for objects) with its
 * selector, and each "\n" separator carries `[end_node_id, "answer"]`
 * (`core/workflow/graph_engine/response_coordinator/coordinator.py` `_process_variable_segment`,
 * `_process_text_segment`). Only the answer output may reach the follower, so only one selector is followed.
 *
 * The End node's mapping from output names to selectors is not in the stream, so the followed selector is the first
 * one of a node that has started (the End node itself starts only after its inputs are done, so its separators never
 * qualify) and that is, when WORKFLOW_OUTPUT_KEY is set, the variable of that name; otherwise the first output of a
 * node that streams text (LLM, agent): other values arrive whole and cannot be told apart from the answer by name.
 * When none qualifies nothing streams, and the answer arrives whole with `workflow_finished`, where the outputs are
 * named and the chosen one is picked.
 */

/** Node types whose output Dify streams chunk by chunk (core/workflow/nodes/llm/node.py, nodes/agent). */
const STREAMING_NODES = new Set(["llm", "agent"]);
export class WorkflowText {
  private readonly startedNodes = new Map<string, string>();
  private followed: string | undefined;
  /** The followed output's text so far. */
  text = "";

  /** `outputKey`: WORKFLOW_OUTPUT_KEY, when set. */
  constructor(private readonly outputKey: string | undefined) {}

  /** A `node_started` event. */
  nodeStarted(nodeId: string | undefined, nodeType: string | undefined): void {
    if (nodeId !== undefined) this.startedNodes.set(nodeId, nodeType ?? "");
  }

  /** A `text_chunk`; returns true when it belongs to the followed output. */
  chunk(text: string, selector: unknown): boolean {
    if (!Array.isArray(selector) || selector.length < 2 || !selector.every((s) => typeof s === "string")) {
      // Without a selector there is nothing to tell outputs apart by: keep the text, as before selectors were read.
      this.text += text;
      return true;
    }
    const key = (selector as string[]).join("\u0000");
    if (this.followed === undefined && this.qualifies(selector as string[])) this.followed = key;
    if (key !== this.followed) return false;
    this.text += text;
    return true;
  }

  private qualifies(selector: string[]): boolean {
    const type = this.startedNodes.get(selector[0]!);
    if (type === undefined) return false;
    return this.outputKey === undefined ? STREAMING_NODES.has(type) : selector.at(-1) === this.outputKey;
  }
}

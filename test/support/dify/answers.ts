/**
 * The streams the stand-in's apps send for one question, per app mode, as Dify 1.12.1 builds them:
 *
 * - chat / completion: `core/app/task_pipeline/easy_ui_based_generate_task_pipeline.py` and
 *   `message_cycle_manager.py`: `message` deltas, then `message_end` (`files: null`); no closing empty `message`.
 *   On 1.11.2–1.12.1 a question that carried a file gets every delta as `message_file` (`get_message_event_type`,
 *   commit e6545f27, fixed by PR #32019).
 * - agent-chat: `core/agent/fc_agent_runner.py`, `base_agent_runner.py`: `agent_thought` updates and `agent_message`
 *   deltas, `message_file` for tool files, `message_end`; never a closing `message`.
 * - advanced-chat: `core/app/apps/advanced_chat/generate_task_pipeline.py`: `workflow_started`, node events, `message`
 *   deltas with `from_variable_selector`, a final empty `message` (the LLM's is_final chunk), `workflow_finished`
 *   before `message_end`. A failed run: `workflow_finished` failed, then `error` invalid_param "Run failed: …".
 *   Output moderation: `message_replace`, then `workflow_finished` stopped, then `message_end`.
 * - workflow: `core/app/apps/workflow/generate_task_pipeline.py`: `text_chunk` deltas, a final empty one,
 *   `workflow_finished` with `outputs`; a failed run sends no `error` after it.
 * - errors mid-stream: `base_app_generate_response_converter.py` `_error_to_stream_response`: the seeded ids and
 *   `code`, `status`, `message` (no task_id); the stream then ends.
 * - reasoning models: `<think>…</think>` inside the answer text (1.12.1 has no reasoning_chunk event).
 * - generated images: signed tool-file URLs (files.ts); a chatflow serialises one image three times, each signed
 *   afresh (Markdown in the text, `workflow_finished.data.files`, `message_end.files`).
 */
import { randomUUID } from "node:crypto";
import type { AppMode } from "./apps.js";
import type { Directives } from "./directives.js";
import { signToolFile } from "./files.js";
import {
  fileDict, graph, messageEndMetadata, nodeFinishedData, nodeStartedData, workflowFinishedData, workflowStartedData,
} from "./nodes.js";
import { compareVersions, type StreamWriter } from "./wire.js";

/** Everything one streamed answer needs. */
export interface AnswerPlan {
  mode: AppMode;
  d: Directives;
  text: string;
  user: string;
  query: string;
  conversationId: string;
  /** Files the app accepted with the question. */
  questionFiles: number;
  /** A remote file URL Dify cannot download (its GET fails after the stream started). */
  unreachableUrl?: string;
  writer: StreamWriter;
}

/** What a model provider failure says (an InvokeError, here a 503 from an OpenAI-compatible endpoint). */
const MODEL_FAILURE =
  "[openai_api_compatible] Server Unavailable Error, Error code: 503 - upstream connect error or disconnect/reset before headers. reset reason: overflow";

// Unref'd: a long `[delay]` still pending when the tests end must not keep the test process alive.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

function splitInto(text: string, parts: number): string[] {
  const chars = Array.from(text);
  const size = Math.max(1, Math.ceil(chars.length / parts));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out.length > 0 ? out : [""];
}

/** The answer as the model writes it: reasoning models open with their thinking in `<think>` tags. */
function modelText(plan: AnswerPlan): string[] {
  const pieces = splitInto(plan.text, plan.d.chunks);
  return plan.d.reasoning ? ["<think>\n", "Let me think. ", "REASONING-NOT-ANSWER", "\n</think>\n\n", ...pieces] : pieces;
}

/** Waits as the model "thinks" (`[delay]`), or hangs silently (`[silent]`, a stuck server: no pings either). */
async function think(plan: AnswerPlan): Promise<void> {
  const { d, writer } = plan;
  if (d.silent > 0) {
    writer.flushHeaders();
    writer.hang();
    await sleep(d.silent);
  }
  if (d.delay > 0) await sleep(d.delay);
}

/** Sends the model's deltas through `emit`; returns false when the stream must stop (fault directives). */
async function deltas(plan: AnswerPlan, emit: (piece: string) => void, failAfterFirst: () => void): Promise<boolean> {
  const { d, writer } = plan;
  for (const [i, piece] of modelText(plan).entries()) {
    if (writer.closed) return false;
    if (i > 0 && d.gap > 0) await sleep(d.gap);
    emit(piece);
    if (i === 0 && d.errorEvent) {
      failAfterFirst();
      return false;
    }
    if (i === 0 && d.stall) {
      writer.hang(); // the socket stays open, nothing more comes
      return false;
    }
    if (i === 0 && d.drop) {
      writer.destroy();
      return false;
    }
  }
  return true;
}

/** Streams one answer for the plan's mode and ends the response (except for `[stall]`). */
export async function streamAnswer(plan: AnswerPlan): Promise<void> {
  if (plan.mode === "advanced-chat") await chatflow(plan);
  else if (plan.mode === "workflow") await workflow(plan);
  else if (plan.mode === "agent-chat") await agentChat(plan);
  else await easyUi(plan);
}

function messageSeed(plan: AnswerPlan, messageId: string, createdAt: number): Record<string, unknown> {
  return plan.mode === "completion"
    ? { message_id: messageId, created_at: createdAt }
    : { conversation_id: plan.conversationId, message_id: messageId, created_at: createdAt };
}

/** The message_file-for-answer regression of 1.11.2–1.12.1 when the question carried a file. */
function answerEvent(plan: AnswerPlan): "message" | "message_file" {
  const v = plan.d.version;
  const affected = compareVersions(v, [1, 11, 2]) >= 0 && compareVersions(v, [1, 12, 1]) <= 0;
  return affected && plan.questionFiles > 0 ? "message_file" : "message";
}

async function easyUi(plan: AnswerPlan): Promise<void> {
  const { writer } = plan;
  const messageId = randomUUID();
  const taskId = randomUUID();
  const seed = messageSeed(plan, messageId, Math.floor(Date.now() / 1000));
  const send = (event: string, body: Record<string, unknown>) => writer.send({ event, ...seed, ...body });
  const fail = (code: string, message: string) => {
    send("error", { code, status: 400, message });
    writer.end();
  };
  if (plan.unreachableUrl) return fail("invalid_param", `Reached maximum retries (3) for URL ${plan.unreachableUrl}`);
  await think(plan);
  if (plan.d.workflowFail) return fail("completion_request_error", MODEL_FAILURE);
  const kind = answerEvent(plan);
  const ok = await deltas(
    plan,
    (answer) => send(kind, { task_id: taskId, id: messageId, answer, from_variable_selector: null }),
    () => fail("completion_request_error", MODEL_FAILURE),
  );
  if (!ok) return;
  if (plan.d.files) {
    const fileId = randomUUID();
    send("message_file", { task_id: taskId, id: randomUUID(), type: "image", belongs_to: "assistant", url: signToolFile(fileId, ".png") });
  }
  if (plan.d.replace !== undefined) send("message_replace", { task_id: taskId, answer: plan.d.replace, reason: "output_moderation" });
  send("message_end", { task_id: taskId, id: messageId, metadata: messageEndMetadata(), files: null });
  writer.end();
}

async function agentChat(plan: AnswerPlan): Promise<void> {
  const { writer } = plan;
  const messageId = randomUUID();
  const taskId = randomUUID();
  const seed = messageSeed(plan, messageId, Math.floor(Date.now() / 1000));
  const send = (event: string, body: Record<string, unknown>) => writer.send({ event, ...seed, task_id: taskId, ...body });
  const thought = (id: string, position: number, fields: Record<string, unknown>) =>
    send("agent_thought", {
      id, position, thought: "", observation: "", tool: "", tool_labels: {}, tool_input: "", message_files: [], ...fields,
    });
  const first = randomUUID();
  thought(first, 1, {});
  await think(plan);
  if (plan.d.files) {
    const fileId = randomUUID();
    const messageFileId = randomUUID();
    const tool = { tool: "dalle3", tool_labels: { dalle3: { en_US: "dalle3", zh_Hans: "dalle3" } }, tool_input: '{"dalle3": {"prompt": "cat"}}' };
    thought(first, 1, tool);
    send("message_file", { id: messageFileId, type: "image", belongs_to: "assistant", url: signToolFile(fileId, ".png") });
    thought(first, 1, { ...tool, observation: '{"dalle3": "image has been created and sent to user already"}', message_files: [messageFileId] });
  }
  const answerThought = plan.d.files ? randomUUID() : first;
  const ok = await deltas(
    plan,
    (answer) => send("agent_message", { id: messageId, answer }),
    () => {
      writer.send({ event: "error", ...seed, code: "completion_request_error", status: 400, message: MODEL_FAILURE });
      writer.end();
    },
  );
  if (!ok) return;
  thought(answerThought, plan.d.files ? 2 : 1, { thought: modelText(plan).join("") });
  send("message_end", { id: messageId, metadata: messageEndMetadata(), files: null });
  writer.end();
}

async function chatflow(plan: AnswerPlan): Promise<void> {
  const { writer, d } = plan;
  const messageId = randomUUID();
  const taskId = randomUUID();
  const runId = randomUUID();
  const workflowId = randomUUID();
  const [start, llm, answerNode] = graph("answer");
  const ids = messageSeed(plan, messageId, Math.floor(Date.now() / 1000));
  const seed = { ...ids, task_id: taskId, workflow_run_id: runId };
  const send = (event: string, data: Record<string, unknown>) => writer.send({ event, ...seed, data });
  const inputs = { "sys.files": [], "sys.user_id": plan.user, "sys.query": plan.query, "sys.dialogue_count": 1 };
  send("workflow_started", workflowStartedData(runId, workflowId, inputs));
  send("node_started", nodeStartedData(start));
  send("node_finished", nodeFinishedData(start, inputs));
  send("node_started", nodeStartedData(llm));
  const failRun = (error: string) => {
    send("node_finished", nodeFinishedData(llm, null, error));
    send("workflow_finished", workflowFinishedData(runId, workflowId, "failed", null, error, plan.user, []));
    // advanced_chat/generate_task_pipeline.py: a failed run is followed by QueueErrorEvent(ValueError("Run failed: …")).
    writer.send({ event: "error", ...ids, code: "invalid_param", status: 400, message: `Run failed: ${error}` });
    writer.end();
  };
  if (plan.unreachableUrl) return failRun(`Reached maximum retries (3) for URL ${plan.unreachableUrl}`);
  await think(plan);
  if (d.workflowFail) return failRun(MODEL_FAILURE);
  const kind = answerEvent(plan);
  const message = (answer: string) =>
    writer.send({ event: kind, ...ids, task_id: taskId, id: messageId, answer,
      from_variable_selector: [llm.nodeId, "text"] });
  let text = "";
  const ok = await deltas(plan, (piece) => {
    text += piece;
    message(piece);
  }, () => failRun(MODEL_FAILURE));
  if (!ok) return;
  const toolFileId = randomUUID();
  if (d.files) {
    const markdown = `\n![generated.png](${signToolFile(toolFileId, ".png")})`;
    text += markdown;
    message(markdown);
  }
  message(""); // the LLM's is_final chunk
  const files = d.files ? [fileDict(toolFileId, signToolFile(toolFileId, ".png"))] : [];
  send("node_finished", nodeFinishedData(llm, { text }));
  if (d.replace !== undefined) {
    writer.send({ event: "message_replace", ...ids, task_id: taskId, answer: d.replace, reason: "output_moderation" });
    send("workflow_finished", workflowFinishedData(runId, workflowId, "stopped", { answer: d.replace, files: [] },
      "Stopped by output moderation.", plan.user, []));
  } else {
    send("node_started", nodeStartedData(answerNode));
    send("node_finished", nodeFinishedData(answerNode, { answer: text, files: [] }));
    send("workflow_finished", workflowFinishedData(runId, workflowId, "succeeded", { answer: text, files: [] }, null, plan.user,
      d.files ? [fileDict(toolFileId, signToolFile(toolFileId, ".png"))] : []));
  }
  writer.send({ event: "message_end", ...ids, task_id: taskId, id: messageId,
    metadata: messageEndMetadata(), files });
  writer.end();
}

async function workflow(plan: AnswerPlan): Promise<void> {
  const { writer, d } = plan;
  const taskId = randomUUID();
  const runId = randomUUID();
  const workflowId = randomUUID();
  const [start, llm, end] = graph("end");
  const send = (event: string, data: Record<string, unknown>) => writer.send({ event, workflow_run_id: runId, task_id: taskId, data });
  const inputs = { query: plan.query, "sys.files": [], "sys.user_id": plan.user, "sys.timestamp": Math.floor(Date.now() / 1000) };
  send("workflow_started", workflowStartedData(runId, workflowId, inputs));
  send("node_started", nodeStartedData(start));
  send("node_finished", nodeFinishedData(start, inputs));
  send("node_started", nodeStartedData(llm));
  const failRun = (error: string) => {
    send("node_finished", nodeFinishedData(llm, null, error));
    send("workflow_finished", workflowFinishedData(runId, workflowId, "failed", null, error, plan.user, []));
    writer.end(); // a workflow app sends no error event after a failed run
  };
  if (plan.unreachableUrl) return failRun(`Reached maximum retries (3) for URL ${plan.unreachableUrl}`);
  await think(plan);
  if (d.workflowFail) return failRun(MODEL_FAILURE);
  const chunk = (text: string) => send("text_chunk", { text, from_variable_selector: [llm.nodeId, "text"] });
  let text = "";
  const ok = await deltas(plan, (piece) => {
    text += piece;
    chunk(piece);
  }, () => failRun(MODEL_FAILURE));
  if (!ok) return;
  chunk(""); // the LLM's is_final chunk
  send("node_finished", nodeFinishedData(llm, { text }));
  const outputs: Record<string, unknown> = { text };
  if (d.replace !== undefined) {
    // Output moderation replaced the text (workflow/generate_task_pipeline.py text_replace).
    send("text_replace", { text: d.replace });
    outputs.text = d.replace;
  }
  const toolFileId = randomUUID();
  if (d.files) outputs.files = [fileDict(toolFileId, signToolFile(toolFileId, ".png"))];
  send("node_started", nodeStartedData(end));
  send("node_finished", nodeFinishedData(end, outputs));
  send("workflow_finished", workflowFinishedData(runId, workflowId, "succeeded", outputs, null, plan.user,
    d.files ? [fileDict(toolFileId, signToolFile(toolFileId, ".png"))] : []));
  writer.end();
}

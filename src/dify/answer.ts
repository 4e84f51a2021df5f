import { AgentSegments } from "./agent-segments.js";
import { AnswerFiles } from "./answer-files.js";
import { DifyError } from "./errors.js";
import type { SseEvent } from "./sse.js";
import type { DifyAnswerFile, DifyAppKind } from "./types.js";
import { WorkflowText } from "./workflow-text.js";

type Json = Record<string, unknown>;

/** Output names that hold a workflow's answer when WORKFLOW_OUTPUT_KEY is not set, in order of preference. */
const DEFAULT_OUTPUT_KEYS = ["text", "answer", "output", "result"];

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * Folds Dify's stream events into one answer. Knows which event ends the stream for each app kind (message_end for
 * chat and completion, workflow_finished for workflow) and turns in-band failures into DifyErrors of kind "stream".
 */
export class AnswerBuilder {
  /** The answer so far. */
  text = "";
  /** Set for chat apps once an event names the conversation. */
  conversationId: string | undefined;
  /** Dify's message id (chat, completion) or the workflow run id (workflow). */
  messageId: string | undefined;
  /** The terminal event arrived; nothing after it matters. */
  finished = false;
  /**
   * What the last event appended to the end of `text`, when that is all it did (most deltas); undefined when the
   * text changed otherwise (a replacement, an agent round, workflow outputs). Lets callers read only the new text.
   */
  lastDelta: string | undefined;
  private appended: string | undefined;
  private plain = "";
  private readonly agent = new AgentSegments();
  private readonly workflow: WorkflowText;
  private readonly collected: AnswerFiles;

  /** `apiBase` resolves the relative file URLs Dify sends when its FILES_URL is unset. */
  constructor(
    private readonly kind: DifyAppKind,
    apiBase: string,
    private readonly outputKey?: string,
  ) {
    this.collected = new AnswerFiles(apiBase);
    this.workflow = new WorkflowText(outputKey);
  }

  /** Files the app produced, each once (matched by identity, not by their freshly signed URLs). */
  get files(): DifyAnswerFile[] {
    return this.collected.list;
  }

  /** Applies one event; returns true when the answer text changed. Throws DifyError on error events. */
  apply(sse: SseEvent): boolean {
    if (sse.data.trim() === "") return false; // pings and other keep-alives
    let parsed: unknown;
    try {
      parsed = JSON.parse(sse.data);
    } catch (err) {
      throw new DifyError("protocol", `Dify sent an unparseable ${sse.event ?? "data"} event`, { cause: err });
    }
    if (!isObject(parsed)) throw new DifyError("protocol", "Dify sent an event that is not a JSON object");
    const type = str(parsed.event) ?? sse.event ?? "";
    this.noteIds(type, parsed);
    const before = this.text;
    this.appended = undefined;
    this.dispatch(type, parsed);
    this.text = this.current();
    // The same string object as `plain`, grown by exactly what was appended: the event only added to the end.
    const appended = this.appended as string | undefined;
    const grew = appended !== undefined && this.text === this.plain && this.text.length === before.length + appended.length;
    this.lastDelta = grew ? appended : undefined;
    return this.text !== before;
  }

  private dispatch(type: string, event: Json): void {
    switch (type) {
      case "message":
        // The new Agent App closes with one `message` holding only the final output: it replaces, never appends.
        if (this.agent.seen) this.agent.close(str(event.answer) ?? "");
        else this.append(str(event.answer) ?? "");
        break;
      case "agent_message":
        this.agent.delta(str(event.answer) ?? "");
        break;
      case "agent_thought":
        this.agent.thought(str(event.id));
        break;
      case "message_replace":
        // Output moderation: the preset reply replaces everything said so far.
        this.plain = str(event.answer) ?? "";
        this.agent.close(this.plain);
        break;
      case "message_file":
        this.onMessageFile(event);
        break;
      case "node_started":
        this.workflow.nodeStarted(str(data(event).node_id), str(data(event).node_type));
        break;
      case "text_chunk":
        // Chatflows stream `message`; text_chunk belongs to workflow apps and counting both would double the text.
        if (this.kind === "workflow") this.workflow.chunk(str(data(event).text) ?? "", data(event).from_variable_selector);
        break;
      case "text_replace":
        if (this.kind === "workflow") this.workflow.text = str(data(event).text) ?? "";
        break;
      case "message_end":
        this.collected.addAll(event.files, { skipUserInput: true });
        if (this.kind !== "workflow") this.finished = true;
        break;
      case "workflow_finished":
        this.onWorkflowFinished(data(event));
        break;
      case "error":
        throw streamError(event);
      default:
        // reasoning_chunk, tts_message, workflow_started, node_finished, ... carry nothing for the answer.
        break;
    }
  }

  private append(piece: string): void {
    this.plain += piece;
    this.appended = piece;
  }

  /** The answer text as it stands after the last event. */
  private current(): string {
    if (this.kind === "workflow") return this.workflow.text;
    const agentText = this.finished ? this.agent.finalText : this.agent.text;
    return agentText !== "" ? agentText : this.plain;
  }

  /**
   * A file the assistant produced, or, on Dify 1.11.2 to 1.12.1, an answer delta: when the message has any stored
   * file (the follower's own image included) every chunk is sent as `message_file` carrying `answer` and no `url`
   * (`core/app/task_pipeline/message_cycle_manager.py` `get_message_event_type`, fixed by langgenius/dify#32019).
   */
  private onMessageFile(event: Json): void {
    const answer = str(event.answer);
    if (answer !== undefined && str(event.url) === undefined) {
      this.append(answer);
      return;
    }
    if (event.belongs_to !== "user") this.collected.add(event, { messageFileEvent: true });
  }

  private onWorkflowFinished(run: Json): void {
    const status = str(run.status);
    // A chatflow whose output moderation answered with its preset reply ends `stopped` ("Stopped by output
    // moderation.") and still sends message_end (core/app/apps/advanced_chat/generate_task_pipeline.py, QueueStopEvent).
    const moderated = status === "stopped" && this.kind !== "workflow";
    if ((status === "failed" || status === "stopped") && !moderated) {
      const reason = str(run.error) ?? status;
      throw new DifyError("stream", `Dify workflow ${status}: ${truncate(reason)}`, {
        code: `workflow_${status}`,
        difyMessage: reason,
      });
    }
    this.collected.addAll(run.files);
    if (this.kind !== "workflow") return; // a chatflow still sends its message_end
    const outputs = isObject(run.outputs) ? run.outputs : {};
    const picked = this.pickOutput(outputs);
    if (picked !== undefined) this.workflow.text = picked;
    for (const value of Object.values(outputs)) this.collected.addAll(value);
    this.finished = true;
  }

  private pickOutput(outputs: Json): string | undefined {
    const keys = this.outputKey === undefined ? DEFAULT_OUTPUT_KEYS : [this.outputKey, ...DEFAULT_OUTPUT_KEYS];
    for (const key of keys) {
      const value = str(outputs[key]);
      if (value !== undefined) return value;
    }
    return Object.values(outputs).map(str).find((v) => v !== undefined);
  }

  private noteIds(type: string, event: Json): void {
    if (this.kind === "chat") {
      const conversation = str(event.conversation_id);
      if (conversation) this.conversationId = conversation;
    }
    if (this.kind === "workflow") {
      const run = str(event.workflow_run_id);
      if (run) this.messageId = run;
      return;
    }
    const message = str(event.message_id) ?? (type === "message_end" ? str(event.id) : undefined);
    if (message) this.messageId = message;
  }
}

function data(event: Json): Json {
  return isObject(event.data) ? event.data : {};
}

function streamError(event: Json): DifyError {
  const status = typeof event.status === "number" ? event.status : undefined;
  const code = str(event.code);
  const message = str(event.message) ?? "error event";
  return new DifyError("stream", `Dify stream error ${status ?? "-"} ${code ?? "-"}: ${truncate(message)}`, {
    status,
    code,
    difyMessage: message,
  });
}

/** Keeps log lines short when Dify relays a long provider error. */
export function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

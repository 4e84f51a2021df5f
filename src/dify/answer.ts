import { DifyError } from "./errors.js";
import type { SseEvent } from "./sse.js";
import type { DifyAnswerFile, DifyAppKind } from "./types.js";

type Json = Record<string, unknown>;

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
  /** Files the app produced, deduplicated by URL. */
  readonly files: DifyAnswerFile[] = [];
  /** The terminal event arrived; nothing after it matters. */
  finished = false;
  /** New-style agent apps stream agent_message deltas, then repeat the whole answer in one closing message. */
  private sawAgentOutput = false;

  /** `apiBase` resolves the relative file URLs Dify sends when its FILES_URL is unset. */
  constructor(
    private readonly kind: DifyAppKind,
    private readonly apiBase: string,
    private readonly outputKey?: string,
  ) {}

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
    switch (type) {
      case "message":
        this.onMessage(str(parsed.answer) ?? "");
        break;
      case "agent_message":
        this.sawAgentOutput = true;
        this.text += str(parsed.answer) ?? "";
        break;
      case "message_replace":
        this.text = str(parsed.answer) ?? "";
        break;
      case "text_chunk":
        // Chatflows stream `message`; text_chunk belongs to workflow apps and counting both would double the text.
        if (this.kind === "workflow") this.text += str(data(parsed).text) ?? "";
        break;
      case "text_replace":
        if (this.kind === "workflow") this.text = str(data(parsed).text) ?? "";
        break;
      case "message_file":
        if (parsed.belongs_to !== "user") this.addFile(parsed);
        break;
      case "message_end":
        this.addFiles(parsed.files);
        if (this.kind !== "workflow") this.finished = true;
        break;
      case "workflow_finished":
        this.onWorkflowFinished(data(parsed));
        break;
      case "error":
        throw streamError(parsed);
      default:
        // agent_thought, reasoning_chunk, tts_message, workflow_started, node_*, ... carry nothing for the answer.
        break;
    }
    return this.text !== before;
  }

  private onMessage(answer: string): void {
    // The closing message of a new-style agent app repeats the whole answer; appending it would say everything twice.
    if (this.sawAgentOutput && this.text !== "" && answer.startsWith(this.text)) {
      this.text = answer;
      return;
    }
    this.text += answer;
  }

  private onWorkflowFinished(run: Json): void {
    const status = str(run.status);
    if (status === "failed" || status === "stopped") {
      const reason = str(run.error) ?? status;
      throw new DifyError("stream", `Dify workflow ${status}: ${truncate(reason)}`, {
        code: `workflow_${status}`,
        difyMessage: reason,
      });
    }
    this.addFiles(run.files);
    if (this.kind !== "workflow") return; // a chatflow still sends its message_end
    const outputs = isObject(run.outputs) ? run.outputs : {};
    const picked = this.pickOutput(outputs);
    if (picked !== undefined) this.text = picked;
    for (const value of Object.values(outputs)) this.addFiles(value);
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

  /** Accepts one file object or a list of them; anything without a type and URL is skipped. */
  private addFiles(value: unknown): void {
    if (Array.isArray(value)) for (const item of value) this.addFile(item);
    else this.addFile(value);
  }

  private addFile(value: unknown): void {
    if (!isObject(value)) return;
    const raw = str(value.url) ?? str(value.remote_url);
    const type = str(value.type) ?? "custom";
    if (!raw) return;
    let url: string;
    try {
      url = new URL(raw, this.apiBase).toString();
    } catch {
      return;
    }
    if (!this.files.some((f) => f.url === url)) this.files.push({ type, url });
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

/**
 * Prints a conversation the way the follower lives it, with the time since the start:
 * `[ 0.0s] → 你好`, `[ 7.1s] ← (request 2) echo: 你好`, `[21.3s] ⇠ (customer service) ...`.
 */
import type { PassiveReply } from "./callback";
import { asDisplayed } from "./follower";
import type { DeliveryEvent } from "./deliver";

/** Options of {@link Transcript}. */
export interface TranscriptOptions {
  /** Where lines go (default: stdout). */
  write?: (line: string) => void;
  /** Cut texts longer than this many characters (default: print in full). */
  maxChars?: number;
  /** Print each request's fate (cut after 5 s, non-200), not only what the follower sees. Default true. */
  requests?: boolean;
}

const FAILURE_SHOWN_BY_WECHAT = "该公众号暂时无法提供服务，请稍后再试";

/** A running transcript; times are relative to `start` (reset it per message with {@link Transcript.restart}). */
export class Transcript {
  private start = Date.now();
  private readonly write: (line: string) => void;

  constructor(private readonly options: TranscriptOptions = {}) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  /** Makes `at` the new 0.0 s. */
  restart(at = Date.now()): void {
    this.start = at;
  }

  /** What the follower sent. */
  follower(text: string, at = Date.now()): void {
    this.line(at, "→", text);
  }

  /** A customer-service push the follower received. */
  customerService(text: string, at = Date.now()): void {
    this.line(at, "⇠", `(customer service) ${asDisplayed(text)}`);
  }

  /** A remark that is not part of the chat (shown indented, after a dot). */
  note(text: string, at = Date.now()): void {
    this.line(at, " ", `· ${text}`, false);
  }

  /** Feeds one delivery event; pass this to deliverLikeWechat's onEvent. */
  readonly onDeliveryEvent = (event: DeliveryEvent): void => {
    const showRequests = this.options.requests ?? true;
    switch (event.type) {
      case "sent":
        if (event.request > 1 && showRequests) this.note(`request ${event.request}: WeChat sends the identical request again`, event.at);
        return;
      case "timeout":
        if (showRequests) {
          this.note(`request ${event.request}: no answer within 5 s, WeChat stops waiting${event.final ? " and gives up" : ""}`, event.at);
        }
        return;
      case "failed": {
        const why = event.status === 403
          ? "HTTP 403 (signature refused: wrong token, a clock more than 300 s off, or plain mode to a worker with an AES key)"
          : event.status !== undefined ? `HTTP ${event.status}` : (event.error ?? "failed");
        const next = event.final ? "that was WeChat's last try" : "WeChat retries at once";
        this.line(event.at, "✗", `(request ${event.request}) ${why}: counted as a failure; ${next}`, false);
        return;
      }
      case "answered":
        this.reply(event.request, event.reply, event.at);
    }
  };

  /** The passive reply one request got, as the follower would see it. */
  reply(request: number, reply: PassiveReply, at = Date.now()): void {
    switch (reply.kind) {
      case "none": return this.line(at, "←", `(request ${request}) (no reply)`, false);
      case "text": return this.line(at, "←", `(request ${request}) ${asDisplayed(reply.text)}`);
      case "other": return this.line(at, "←", `(request ${request}) (${reply.msgType} reply)`);
      case "invalid":
        return this.line(at, "✗", `(request ${request}) WeChat would refuse this reply: ${reply.problem}; the follower sees "${FAILURE_SHOWN_BY_WECHAT}"`, false);
    }
  }

  /** No request got a 200. */
  nothingGot200(at = Date.now()): void {
    this.line(at, "✗", `no request got a 200: the follower sees "${FAILURE_SHOWN_BY_WECHAT}"`, false);
  }

  /** `[ 7.1s] ← text`, continuation lines indented under the text. */
  private line(at: number, arrow: string, text: string, cut = true): void {
    const seconds = Math.max(0, (at - this.start) / 1000);
    const prefix = `[${seconds.toFixed(1).padStart(4)}s] ${arrow} `;
    const shown = cut ? this.cut(text) : text;
    const indent = " ".repeat(prefix.length);
    this.write(prefix + shown.split("\n").map((l, i) => (i === 0 || l === "" ? l : indent + l)).join("\n"));
  }

  /** Long texts keep their start and their end (where "reply 1 for more" notes sit), the middle is elided. */
  private cut(text: string): string {
    const max = this.options.maxChars;
    const chars = Array.from(text);
    if (max === undefined || chars.length <= max) return text;
    const tailLength = Math.floor(max / 3);
    const head = chars.slice(0, max - tailLength).join("");
    const tail = chars.slice(chars.length - tailLength).join("");
    const omitted = Buffer.byteLength(chars.slice(max - tailLength, chars.length - tailLength).join(""), "utf8");
    return `${head} …[${omitted} of ${Buffer.byteLength(text, "utf8")} bytes not shown]… ${tail}`;
  }
}

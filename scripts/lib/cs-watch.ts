/**
 * Watches what the worker pushed with the customer-service API, through the WeChat API stand-in's `GET /__sent`
 * (test/support/mock-wechat-api.ts). Real WeChat has no such window: this works against the stand-in only.
 */
import { describeFetchError } from "./deliver";

/** One customer-service message as the worker sent it (the JSON body of /cgi-bin/message/custom/send). */
export interface CsMessage {
  touser?: string;
  msgtype?: string;
  text?: { content?: string };
  image?: { media_id?: string };
}

const POLL_EVERY_MS = 400;
const REQUEST_DEADLINE_MS = 3000;

/** Everything the stand-in has recorded for `openid`, oldest first. Throws when the stand-in cannot be read. */
export async function sentMessages(wechatApiBase: string, openid: string): Promise<CsMessage[]> {
  const url = `${wechatApiBase.replace(/\/+$/, "")}/__sent?user=${encodeURIComponent(openid)}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
  } catch (error) {
    throw new Error(`cannot read ${url}: ${describeFetchError(error)}`);
  }
  if (!response.ok) throw new Error(`${url} answered ${response.status}: is this the WeChat API stand-in?`);
  const list: unknown = await response.json();
  if (!Array.isArray(list)) throw new Error(`${url} did not return a list: is this the WeChat API stand-in?`);
  return list as CsMessage[];
}

/** How a CS message reads in a transcript. */
export function describeCsMessage(message: CsMessage): string {
  if (message.msgtype === "text") return message.text?.content ?? "";
  if (message.msgtype === "image") return `(image ${message.image?.media_id ?? "?"})`;
  return `(${message.msgtype ?? "unknown"} message)`;
}

/** Polls the stand-in in the background and reports each new CS message once, as it arrives. */
export class CsWatcher {
  /** Messages that arrived since the watch started, oldest first. */
  readonly received: CsMessage[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly apiBase: string,
    private readonly openid: string,
    private seen: number,
    private readonly onMessage: (message: CsMessage, at: number) => void,
    private readonly onError: (message: string) => void,
  ) {
    this.loop = this.run();
  }

  /** Starts watching; messages already recorded for `openid` are not reported. Throws if the stand-in is unreachable. */
  static async start(
    apiBase: string,
    openid: string,
    onMessage: (message: CsMessage, at: number) => void,
    onError: (message: string) => void = () => undefined,
  ): Promise<CsWatcher> {
    const baseline = (await sentMessages(apiBase, openid)).length;
    return new CsWatcher(apiBase, openid, baseline, onMessage, onError);
  }

  /** Resolves true once `done(received)` holds, false if `until` (epoch ms) comes first. */
  async waitFor(done: (received: readonly CsMessage[]) => boolean, until: number): Promise<boolean> {
    while (!done(this.received)) {
      if (Date.now() >= until || this.stopped) return false;
      await sleep(Math.min(100, until - Date.now()));
    }
    return true;
  }

  /** Stops polling (after one last look, so nothing that already arrived goes unreported). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    try {
      await this.poll();
    } catch {
      // The stand-in is gone (shutting down): nothing more will arrive anyway.
    }
  }

  private async run(): Promise<void> {
    let failing = false;
    while (!this.stopped) {
      try {
        await this.poll();
        failing = false;
      } catch (error) {
        if (!failing) this.onError(error instanceof Error ? error.message : String(error));
        failing = true;
      }
      await sleep(POLL_EVERY_MS);
    }
  }

  private async poll(): Promise<void> {
    const all = await sentMessages(this.apiBase, this.openid);
    for (const message of all.slice(this.seen)) {
      this.received.push(message);
      this.onMessage(message, Date.now());
    }
    this.seen = Math.max(this.seen, all.length);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

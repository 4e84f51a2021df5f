/**
 * Webhook receivers on the WeChat stand-in, for the worker's alerts (ALERT_WEBHOOK_URL):
 *
 * - `POST /cgi-bin/webhook/send?key=KEY`: a WeCom group robot (qyapi.weixin.qq.com, developer.work.weixin.qq.com
 *   document 91770): `{msgtype: "text", text: {content}}` or `{msgtype: "markdown", markdown: {content}}` answer
 *   `{errcode: 0, errmsg: "ok"}`; no key 93000 `invalid webhook url`; another msgtype 40008 `invalid message type`.
 *   What it received is kept under the name `wecom:KEY`.
 * - `POST /__webhook/NAME`: the owner's own JSON endpoint (not a WeChat API): takes anything, answers 204.
 *
 * For either, a name (or key) starting `hang` records the body and never answers (a receiver that is down), one
 * starting `fail` answers HTTP 500. `GET /__webhook/NAME` lists the JSON bodies received under NAME, in order.
 */
import type { ServerResponse } from "node:http";

/** The receivers' records: name → bodies. */
export class WebhookRecords {
  readonly #bodies = new Map<string, unknown[]>();

  /** The bodies received under `name`. */
  list(name: string): unknown[] {
    return this.#bodies.get(name) ?? [];
  }

  /** Records a body; returns false when the receiver of that name hangs or fails (the answer is then given here). */
  #record(name: string, raw: Buffer, res: ServerResponse): boolean {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      body = raw.toString("utf8");
    }
    this.#bodies.set(name, [...this.list(name), body]);
    if (/^(wecom:)?hang/.test(name)) return false; // never answers; closeAllConnections ends it at shutdown
    if (/^(wecom:)?fail/.test(name)) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("receiver failed");
      return false;
    }
    return true;
  }

  /** `POST /cgi-bin/webhook/send?key=`: a WeCom group robot. */
  wecom(url: URL, raw: Buffer, res: ServerResponse): void {
    const key = url.searchParams.get("key") ?? "";
    const answer = (errcode: number, errmsg: string) => {
      res.writeHead(200, { "content-type": "application/json; charset=UTF-8" });
      res.end(JSON.stringify({ errcode, errmsg }));
    };
    if (key === "") return answer(93000, "invalid webhook url, hint: [stand-in]");
    if (!this.#record(`wecom:${key}`, raw, res)) return;
    const body = this.list(`wecom:${key}`).at(-1) as { msgtype?: unknown } | undefined;
    if (body?.msgtype !== "text" && body?.msgtype !== "markdown") return answer(40008, "invalid message type, hint: [stand-in]");
    answer(0, "ok");
  }

  /** `POST /__webhook/NAME`: a generic JSON receiver. */
  generic(name: string, raw: Buffer, res: ServerResponse): void {
    if (!this.#record(name, raw, res)) return;
    res.writeHead(204);
    res.end();
  }
}

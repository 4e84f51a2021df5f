/**
 * A local stand-in for WeChat's server API (api.weixin.qq.com), speaking its JSON wire format
 * (`{errcode, errmsg}` on every error). Minimal for now: access tokens and customer-service sends.
 *
 * Control endpoints for tests: `GET /__sent?user=OPENID` lists the CS messages sent to that follower.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MockServer } from "./mock-dify.js";

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Starts the WeChat API stand-in on 127.0.0.1 and a free port. */
export async function startMockWechatApi(): Promise<MockServer> {
  const sent = new Map<string, unknown[]>();
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const raw = await readBody(req);
      if (url.pathname === "/__sent") return sendJson(res, sent.get(url.searchParams.get("user") ?? "") ?? []);
      if (url.pathname === "/cgi-bin/stable_token") return sendJson(res, { access_token: "token-1", expires_in: 7200 });
      if (url.pathname === "/cgi-bin/message/custom/send") {
        const body = JSON.parse(raw) as { touser: string };
        const list = sent.get(body.touser) ?? [];
        list.push(body);
        sent.set(body.touser, list);
        return sendJson(res, { errcode: 0, errmsg: "ok" });
      }
      sendJson(res, { errcode: 40004, errmsg: "invalid request" });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

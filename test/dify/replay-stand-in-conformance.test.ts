import { describe, expect, inject, it } from "vitest";
import { newOpenid } from "../support/dify-calls.js";
import { streamBytes } from "../support/dify-streams.js";

/** The frames of an LF-only Dify stream: pings as "ping", data frames as parsed JSON. */
function frames(text: string): Array<"ping" | Record<string, unknown>> {
  return text.split("\n\n").filter((f) => f !== "").map((f) =>
    f === "event: ping" ? "ping" : (JSON.parse(f.replace(/^data: /, "")) as Record<string, unknown>));
}

const events = (text: string) => frames(text).filter((f): f is Record<string, unknown> => f !== "ping");

/** Calls the stand-in's route for `key` with `query`; returns the response and its body text. */
async function ask(key: string, query: string, extra: Record<string, unknown> = {}) {
  const path = { "app-workflow-key": "/workflows/run", "app-completion-key": "/completion-messages" }[key] ?? "/chat-messages";
  const user = newOpenid("conformance");
  const body = path === "/chat-messages"
    ? { inputs: {}, query, user, response_mode: "streaming", ...extra }
    : { inputs: { query }, user, response_mode: "streaming", ...extra };
  const res = await fetch(`${inject("difyUrl")}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { res, text: await res.text() };
}

/** For each event type: its key list, and the key list of its `data` (workflow events). */
function shapes(list: Array<Record<string, unknown>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of list) {
    const data = typeof e.data === "object" && e.data !== null ? Object.keys(e.data).join(",") : "";
    out.set(String(e.event), `${Object.keys(e).join(",")}|${data}`);
  }
  return out;
}

async function recorded(name: string) {
  return events(new TextDecoder().decode(await streamBytes(name)));
}

describe("the Dify stand-in's own streams have the shapes of the recorded ones", () => {
  const cases: Array<[string, string, string]> = [
    ["a chat app", "app-basic-key", "chat"],
    ["a chatflow", "app-test-key", "chatflow"],
    ["a legacy agent", "app-basic-key [agent]", "agent"],
    ["a workflow", "app-workflow-key", "workflow"],
    ["a completion app", "app-completion-key", "completion"],
    ["a chat app whose model fails", "app-basic-key [error-event]", "error-midstream"],
  ];
  for (const [what, setup, name] of cases) {
    it(`${what}, like ${name}.sse: same events, keys and key order`, async () => {
      const [key, ...directives] = setup.split(" ");
      const { res, text } = await ask(key!, `${directives.join(" ")} [answer=你好，世界🙂] [chunks=4]`.trim());
      expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      const mine = shapes(events(text));
      const theirs = shapes(await recorded(name));
      // The agent's file event only appears with a tool call; the recorded stream has one.
      if (name === "agent") theirs.delete("message_file");
      expect(new Map([...mine].sort()), name).toEqual(new Map([...theirs].sort()));
    });
  }

  it("ends a chatflow's answer with an empty message and a workflow's with an empty text_chunk, as Dify does", async () => {
    const chatflow = events((await ask("app-test-key", "[answer=abc]")).text);
    const lastMessage = chatflow.filter((e) => e.event === "message").at(-1);
    expect(lastMessage?.answer).toBe("");
    expect(chatflow.map((e) => e.event).slice(-2)).toEqual(["workflow_finished", "message_end"]);
    const workflow = events((await ask("app-workflow-key", "[answer=abc]")).text);
    const lastChunk = workflow.filter((e) => e.event === "text_chunk").at(-1);
    expect((lastChunk?.data as Record<string, unknown>).text).toBe("");
  });

  it("never closes a legacy agent's answer with a message event", async () => {
    const list = events((await ask("app-basic-key", "[agent] [files] [answer=画好了]")).text);
    expect(list.some((e) => e.event === "message")).toBe(false);
    expect(list.filter((e) => e.event === "agent_message").map((e) => e.answer).join("")).toBe("画好了");
    expect(shapes(list).get("message_file")).toBe(shapes(await recorded("agent")).get("message_file"));
  });

  it("puts reasoning in <think> tags inside the answer, with no reasoning_chunk event", async () => {
    const list = events((await ask("app-basic-key", "[reasoning] [answer=final]")).text);
    expect(list.some((e) => e.event === "reasoning_chunk")).toBe(false);
    expect(list.filter((e) => e.event === "message").map((e) => e.answer).join("")).toMatch(/^<think>[\s\S]+<\/think>\s*final$/);
  });

  it("sends compact JSON with raw UTF-8, and json.dumps with \\u escapes before 1.8.1", async () => {
    const now = (await ask("app-basic-key", "[answer=你好🙂]")).text;
    expect(now).toContain('"answer":"你');
    expect(now).not.toMatch(/\\u[0-9a-f]{4}|": "/);
    const old = (await ask("app-basic-key", "[version=1.8.0] [chunks=1] [answer=你好🙂]")).text;
    expect(old).toMatch(/^data: \{"event": "message", "conversation_id": "/);
    expect(old).toContain("\\u4f60\\u597d\\ud83d\\ude42");
    expect(events(old).filter((e) => e.event === "message").map((e) => e.answer).join("")).toBe("你好🙂");
  });

  it("answers an image question with message_file chunks on 1.12.1, and with message ones before 1.11.2", async () => {
    const files = [{ type: "image", transfer_method: "remote_url", url: "https://mmbiz.example/p.jpg" }];
    const quirk = events((await ask("app-basic-key", "[answer=看图]", { files })).text);
    // app-basic-key never enabled uploads: the file is dropped and the answer comes as message.
    expect(quirk.some((e) => e.event === "message_file")).toBe(false);
    const withUploads = events((await ask("app-test-key", "[answer=看图]", { files })).text);
    const answers = withUploads.filter((e) => e.event === "message_file");
    expect(answers.map((e) => e.answer).join("")).toBe("看图");
    expect(answers.every((e) => e.url === undefined)).toBe(true);
    const older = events((await ask("app-test-key", "[version=1.11.1] [answer=看图]", { files })).text);
    expect(older.filter((e) => e.event === "message").map((e) => e.answer).join("")).toBe("看图");
  });

  it("pings only every 10 s: one ping while a model thinks 10.5 s", async () => {
    const list = frames((await ask("app-basic-key", "[delay=10500] [answer=ok]")).text);
    expect(list.indexOf("ping")).toBe(0);
    expect(list.filter((f) => f === "ping")).toHaveLength(1);
  });
});

describe("the Dify stand-in's other answers, as Dify's code gives them", () => {
  const root = () => inject("difyUrl");

  it("continues a 404's text with flask-restx's help on the route", async () => {
    const { res, text } = await ask("app-test-key", "hi", { conversation_id: crypto.randomUUID() });
    expect(res.status).toBe(404);
    const body = JSON.parse(text) as { code: string; message: string; status: number };
    expect(Object.keys(body)).toEqual(["code", "message", "status"]);
    expect(body.code).toBe("not_found");
    expect(body.message.startsWith("Conversation Not Exists. You have requested this URI [/v1/chat-messages] but did you mean ")).toBe(true);
  });

  it("takes only audio/{mp3,m4a,wav,amr,mpga} for speech to text, and only from apps that enabled it", async () => {
    const post = async (key: string, type: string) => {
      const form = new FormData();
      form.append("file", new Blob([new Uint8Array(10)], { type }), "voice.bin");
      form.append("user", newOpenid("audio"));
      const res = await fetch(`${root()}/audio-to-text`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: form });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await post("app-test-key", "audio/amr")).toEqual({ status: 200, body: { text: "transcribed voice" } });
    expect(await post("app-test-key", "audio/mpeg")).toEqual({
      status: 415, body: { code: "unsupported_audio_type", message: "Audio type not allowed.", status: 415 },
    });
    expect((await post("app-basic-key", "audio/amr")).body).toEqual({
      code: "invalid_param", message: "Speech to text is not enabled", status: 400,
    });
  });

  it("describes uploads in /parameters with top-level enabled and allowed_file_types, or the legacy default", async () => {
    const get = async (key: string) =>
      (await (await fetch(`${root()}/parameters`, { headers: { authorization: `Bearer ${key}` } })).json()) as Record<string, Record<string, unknown>>;
    const test = await get("app-test-key");
    expect(Object.keys(test)).toHaveLength(12);
    expect(test.file_upload).toMatchObject({ enabled: true, allowed_file_types: ["image"] });
    expect(test.speech_to_text).toEqual({ enabled: true });
    const basic = await get("app-basic-key");
    expect(basic.file_upload?.enabled).toBeUndefined();
    // Only the legacy image switch, which Dify ignores (see apps.ts): no top-level enabled, so no images.
    expect(basic.file_upload?.image).toMatchObject({ enabled: true });
    expect(basic.speech_to_text).toEqual({ enabled: false });
  });

  it("serves a produced image at its signed URL and refuses a tampered signature with 403", async () => {
    const list = events((await ask("app-basic-key", "[files] [answer=图]")).text);
    const url = String(list.find((e) => e.event === "message_file")?.url);
    expect(url).toMatch(/^\/files\/tools\/[0-9a-f-]{36}\.png\?timestamp=\d+&nonce=[0-9a-f]{32}&sign=[\w-]+=$/);
    const origin = root().replace(/\/v1$/, "");
    const ok = await fetch(`${origin}${url}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("image/png");
    await ok.arrayBuffer();
    const forged = await fetch(`${origin}${url.replace(/sign=./, "sign=X")}`);
    expect(forged.status).toBe(403);
    expect(await forged.json()).toEqual({ code: "forbidden", message: "Invalid request.", status: 403 });
  });
});

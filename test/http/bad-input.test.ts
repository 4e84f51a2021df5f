import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { MAX_BODY_BYTES } from "../../src/http/inbound";
import { WechatCipher } from "../../src/wechat/crypto";
import { wechatSignature } from "../../src/wechat/signature";
import { buildWechatXml } from "../../src/wechat/xml";
import type { AppEnv } from "../../src/config";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { callWorker, plaintextDeployment, safeDeployment } from "../support/deployments";
import { NO_FOOTPRINT, followerFootprint } from "../support/state-probe";
import {
  TEST_ACCOUNT,
  TEST_AES_KEY,
  TEST_APP_ID,
  TEST_TOKEN,
  messageXml,
  readReply,
  textMessageXml,
  wechatPost,
  wechatVerifyGet,
} from "../support/wechat-fixtures";

const BASE = "https://wechat.example/wechat";
/** A well-formed key that is not the configured one. */
const OTHER_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/** A query signed with the test token now, plus any extra values (added after signing: they are not signed). */
async function signedQuery(extra: Record<string, string> = {}): Promise<URLSearchParams> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = "424242";
  const query = new URLSearchParams({ signature: await wechatSignature([TEST_TOKEN, timestamp, nonce]), timestamp, nonce });
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  return query;
}

/** A POST with a valid `signature` and whatever body. */
async function signedPost(body: BodyInit | null, extra: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Request> {
  return new Request(`${BASE}?${await signedQuery(extra)}`, { method: "POST", headers: { "content-type": "text/xml", ...headers }, body });
}

/** A safe-mode POST carrying `encrypt` as given, with both signatures valid for it, so only decryption can refuse it. */
async function safePost(encrypt: string, extra: Record<string, string> = {}): Promise<Request> {
  const query = await signedQuery({ encrypt_type: "aes", ...extra });
  query.set("msg_signature", await wechatSignature([TEST_TOKEN, query.get("timestamp") ?? "", query.get("nonce") ?? "", encrypt]));
  const body = buildWechatXml([["ToUserName", TEST_ACCOUNT], ["Encrypt", encrypt]]);
  return new Request(`${BASE}?${query}`, { method: "POST", body });
}

/** The Encrypt value WeChat would send for `xml` with the test account's key. */
async function sealed(xml: string): Promise<string> {
  return (await WechatCipher.create(TEST_AES_KEY, TEST_APP_ID)).encrypt(xml);
}

/** Sends `request` and asserts the status and that the follower `openid` was left untouched. */
async function expectRefused(request: Request, status: 400 | 403 | 413, openid: string): Promise<void> {
  const res = await exports.default.fetch(request);
  await res.text();
  expect(res.status).toBe(status);
  expect(await followerFootprint(openid)).toEqual(NO_FOOTPRINT);
}

/**
 * Sends a malformed message both ways a deployment can read it, and asserts 400 and no trace for each: as the
 * plaintext body an account without an AES key receives, and sealed inside a valid safe-mode envelope.
 */
async function expectMalformedRefused(xml: string, openid: string, extra: Record<string, string> = {}): Promise<void> {
  const plain = await callWorker(await signedPost(xml, extra), plaintextDeployment);
  const safe = await exports.default.fetch(await safePost(await sealed(xml), { openid, ...extra }));
  expect([plain.status, safe.status]).toEqual([400, 400]);
  // One probe after both: probing creates the (empty) object, which would fool a second probe.
  expect(await followerFootprint(openid)).toEqual(NO_FOOTPRINT);
}

/** The reasons the worker logged for callbacks it refused while `run` ran. */
async function refusalReasons(run: () => Promise<void>): Promise<string[]> {
  const warn = vi.spyOn(console, "warn");
  try {
    await run();
    return warn.mock.calls
      .map((args) => JSON.parse(String(args[0])) as { event?: string; reason?: string })
      .filter((line) => line.event === "callback_refused")
      .map((line) => line.reason ?? "");
  } finally {
    warn.mockRestore();
  }
}

/** A request's URL with query values replaced (undefined deletes). */
function withQuery(request: Request, changes: Record<string, string | undefined>): string {
  const url = new URL(request.url);
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) url.searchParams.delete(name);
    else url.searchParams.set(name, value);
  }
  return url.toString();
}

/** The same POST (body and headers) sent to another URL. */
async function repost(request: Request, url: string): Promise<Request> {
  return new Request(url, { method: "POST", headers: request.headers, body: await request.text() });
}

describe("the state probe", () => {
  it("sees the object, the job and the Dify call a valid message leaves", async () => {
    const openid = newOpenid("probe");
    const res = await exports.default.fetch(await wechatPost(textMessageXml({ openid, content: "hi" })));
    expect((await readReply(res)).content).toBe("echo: hi");
    expect(await followerFootprint(openid)).toEqual({ objectExisted: true, jobs: 1, difyCalls: 1 });
  });
});

describe("POST /wechat refuses forged requests with 403 and changes nothing", () => {
  it("refuses a plain-mode message signed with the wrong token", async () => {
    const openid = newOpenid("forged");
    await expectRefused(await wechatPost(textMessageXml({ openid, content: "hi" }), { token: "not-the-token" }), 403, openid);
  });

  for (const missing of ["signature", "timestamp", "nonce"]) {
    it(`refuses a message whose ${missing} is missing from the query`, async () => {
      const openid = newOpenid(`no-${missing}`);
      const valid = await wechatPost(textMessageXml({ openid, content: "hi" }));
      await expectRefused(await repost(valid, withQuery(valid, { [missing]: undefined })), 403, openid);
    });
  }

  it("refuses a message with no query at all", async () => {
    const openid = newOpenid("no-query");
    await expectRefused(new Request(BASE, { method: "POST", body: textMessageXml({ openid, content: "hi" }) }), 403, openid);
  });

  it("refuses a safe-mode message whose signature is good but msg_signature is not", async () => {
    const openid = newOpenid("bad-msgsig");
    const valid = await wechatPost(textMessageXml({ openid, content: "hi" }), { mode: "safe" });
    const forged = withQuery(valid, { msg_signature: await wechatSignature(["not-the-token", "1", "2", "3"]) });
    await expectRefused(await repost(valid, forged), 403, openid);
  });

  it("refuses a safe-mode message without msg_signature", async () => {
    const openid = newOpenid("no-msgsig");
    const valid = await wechatPost(textMessageXml({ openid, content: "hi" }), { mode: "safe" });
    await expectRefused(await repost(valid, withQuery(valid, { msg_signature: undefined })), 403, openid);
  });

  it("refuses a safe-mode message whose msg_signature is good but signature is forged", async () => {
    const openid = newOpenid("forged-safe");
    const valid = await wechatPost(textMessageXml({ openid, content: "hi" }), { mode: "safe" });
    await expectRefused(await repost(valid, withQuery(valid, { signature: "0".repeat(40) })), 403, openid);
  });
});

describe("POST /wechat refuses what cannot be decrypted with 400 and changes nothing", () => {
  it("refuses a message encrypted with another AES key", async () => {
    const openid = newOpenid("other-key");
    await expectRefused(await wechatPost(textMessageXml({ openid, content: "hi" }), { mode: "safe", aesKey: OTHER_AES_KEY }), 400, openid);
  });

  it("refuses a message sealed for another AppID", async () => {
    const openid = newOpenid("other-appid");
    await expectRefused(await wechatPost(textMessageXml({ openid, content: "hi" }), { mode: "safe", appId: "wx0000000000000000" }), 400, openid);
  });

  it("refuses an Encrypt value that is not base64", async () => {
    const openid = newOpenid("not-b64");
    // The openid rides in the query as WeChat sends it; the body names no follower at all.
    await expectRefused(await safePost(`not base64!! ${openid}`), 400, openid);
  });

  it("refuses ciphertext cut in the middle of a block", async () => {
    const openid = newOpenid("cut-mid");
    const encrypt = await sealed(textMessageXml({ openid, content: "hi" }));
    await expectRefused(await safePost(encrypt.slice(0, encrypt.length - 24)), 400, openid);
  });

  it("refuses ciphertext that lost its last whole block", async () => {
    const openid = newOpenid("cut-block");
    const bytes = Uint8Array.from(atob(await sealed(textMessageXml({ openid, content: "hi" }))), (c) => c.charCodeAt(0));
    const shorter = btoa(String.fromCharCode(...bytes.subarray(0, bytes.length - 16)));
    await expectRefused(await safePost(shorter), 400, openid);
  });

  it("refuses ciphertext shorter than two blocks", async () => {
    const openid = newOpenid("tiny");
    await expectRefused(await safePost(btoa("0123456789abcdef")), 400, openid);
  });

  it("refuses a safe-mode body without an Encrypt field", async () => {
    const openid = newOpenid("no-encrypt");
    await expectRefused(await signedPost(textMessageXml({ openid, content: "hi" }), { encrypt_type: "aes", msg_signature: "0".repeat(40) }), 400, openid);
  });

  it("refuses an encrypted body posted without encrypt_type", async () => {
    const openid = newOpenid("no-enctype");
    const valid = await wechatPost(textMessageXml({ openid, content: "hi" }), { mode: "safe" });
    const stripped = withQuery(valid, { encrypt_type: undefined });
    const body = await valid.text();
    const send = (deployment: AppEnv) => callWorker(new Request(stripped, { method: "POST", body }), deployment);
    // Without encrypt_type it is a plaintext callback: forbidden where a key is set, malformed where none is.
    expect([(await send(safeDeployment)).status, (await send(plaintextDeployment)).status]).toEqual([403, 400]);
    expect(await followerFootprint(openid)).toEqual(NO_FOOTPRINT);
  });

  it("refuses a well-encrypted message whose inner XML is malformed", async () => {
    const openid = newOpenid("inner-bad");
    await expectRefused(await safePost(await sealed(`<xml><FromUserName>${openid}</FromUserName>`)), 400, openid);
  });
});

describe("POST /wechat refuses malformed messages with 400 and changes nothing", () => {
  it("refuses malformed XML", async () => {
    const openid = newOpenid("malformed");
    const xml = textMessageXml({ openid, content: "hi" }).replace("</xml>", "");
    await expectMalformedRefused(xml, openid);
  });

  it("refuses an empty body", async () => {
    const openid = newOpenid("empty");
    await expectMalformedRefused("", openid, { openid });
  });

  it("refuses a POST with no body at all", async () => {
    const openid = newOpenid("nobody");
    const plain = await callWorker(await signedPost(null, { openid }), plaintextDeployment);
    const safe = await exports.default.fetch(await signedPost(null, { openid, encrypt_type: "aes", msg_signature: "0".repeat(40) }));
    expect([plain.status, safe.status]).toEqual([400, 400]);
    expect(await followerFootprint(openid)).toEqual(NO_FOOTPRINT);
  });

  it("refuses XML without FromUserName", async () => {
    const openid = newOpenid("no-from");
    const xml = messageXml({ ToUserName: TEST_ACCOUNT, CreateTime: 1700000000, MsgType: "text", Content: "hi", MsgId: "1" });
    await expectMalformedRefused(xml, openid, { openid });
  });

  it("refuses XML whose root is not <xml>", async () => {
    const openid = newOpenid("root");
    const xml = textMessageXml({ openid, content: "hi" }).replace(/^<xml>/, "<msg>").replace(/<\/xml>$/, "</msg>");
    await expectMalformedRefused(xml, openid);
  });

  it("refuses a message whose CreateTime is not a number", async () => {
    const openid = newOpenid("bad-time");
    const xml = messageXml({ ToUserName: TEST_ACCOUNT, FromUserName: openid, CreateTime: "soon", MsgType: "text", Content: "hi" });
    await expectMalformedRefused(xml, openid);
  });

  it("refuses a message with a field given twice", async () => {
    const openid = newOpenid("twice");
    const xml = textMessageXml({ openid, content: "hi" }).replace("</xml>", "<Content>again</Content></xml>");
    await expectMalformedRefused(xml, openid);
  });

  it("refuses a location whose coordinates are not numbers", async () => {
    const openid = newOpenid("bad-loc");
    const xml = messageXml({
      ToUserName: TEST_ACCOUNT, FromUserName: openid, CreateTime: 1700000000, MsgType: "location",
      Location_X: "north", Location_Y: "113.3", Scale: 20, Label: "x", MsgId: "2",
    });
    await expectMalformedRefused(xml, openid);
  });

  it("refuses XML that declares entities in a DOCTYPE", async () => {
    const openid = newOpenid("doctype");
    const xml = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY who "${openid}">]>` +
      `<xml><ToUserName>${TEST_ACCOUNT}</ToUserName><FromUserName>&who;</FromUserName><CreateTime>1700000000</CreateTime>` +
      `<MsgType>text</MsgType><Content>hi</Content><MsgId>3</MsgId></xml>`;
    await expectMalformedRefused(xml, openid, { openid });
  });

  it("refuses an entity-expansion bomb (billion laughs)", async () => {
    const openid = newOpenid("lol");
    const levels = Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join("");
    const xml = `<!DOCTYPE xml [<!ENTITY l0 "lol">${levels}]>` +
      `<xml><ToUserName>${TEST_ACCOUNT}</ToUserName><FromUserName>${openid}</FromUserName><CreateTime>1700000000</CreateTime>` +
      `<MsgType>text</MsgType><Content>&l9;</Content><MsgId>4</MsgId></xml>`;
    await expectMalformedRefused(xml, openid);
  });

  it("refuses an external entity (XXE)", async () => {
    const openid = newOpenid("xxe");
    const xml = `<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>` +
      `<xml><ToUserName>${TEST_ACCOUNT}</ToUserName><FromUserName>${openid}</FromUserName><CreateTime>1700000000</CreateTime>` +
      `<MsgType>text</MsgType><Content>&x;</Content><MsgId>5</MsgId></xml>`;
    await expectMalformedRefused(xml, openid);
  });

  // A DOCTYPE the parser reads but a text pre-check skips, because a CDATA opener sits in a comment, a processing
  // instruction or an attribute before it: the entity must still never be expanded.
  const hidingPlaces = {
    "a comment": ["<!-- <![CDATA[ -->", "<!-- ]]> -->", ""],
    "a processing instruction": ["<?x <![CDATA[ ?>", "<?y ]]> ?>", ""],
    "an attribute": ["", "", "<Note a=\"<![CDATA[\"/>"],
  } as const;
  for (const [place, [before, after, inRoot]] of Object.entries(hidingPlaces)) {
    it(`refuses a DOCTYPE hidden from the pre-check behind a CDATA opener in ${place}`, async () => {
      const openid = newOpenid("hidden-dtd");
      const dtd = `<!DOCTYPE xml [<!ENTITY who "${openid}">]>`;
      const fields = `<ToUserName>${TEST_ACCOUNT}</ToUserName><FromUserName>&who;</FromUserName><CreateTime>1700000000</CreateTime>` +
        `<MsgType>text</MsgType><Content>hi</Content><MsgId>6</MsgId>`;
      const xml = inRoot === ""
        ? `${before}${dtd}${after}<xml>${fields}</xml>`
        : `<xml>${inRoot}${dtd}${fields}<End b="]]>"/></xml>`;
      await expectMalformedRefused(xml, openid, { openid });
    });
  }
});

describe("POST /wechat refuses bodies over 64 KiB with 413 and changes nothing", () => {
  /** A valid text message from `openid`, padded with whitespace between fields to exactly `bytes` bytes. */
  function paddedMessage(openid: string, bytes: number): string {
    const xml = textMessageXml({ openid, content: "big" });
    const padding = bytes - new TextEncoder().encode(xml).length;
    return xml.replace("</xml>", `${" ".repeat(padding)}</xml>`);
  }

  // The cap is checked before the mode, so the refusals below hold for both kinds of deployment; the largest
  // accepted body is shown on an account in plaintext mode, where the body is the message itself.
  it("answers a valid message of exactly 64 KiB", async () => {
    const openid = newOpenid("at-cap");
    const res = await callWorker(await signedPost(paddedMessage(openid, MAX_BODY_BYTES)), plaintextDeployment);
    expect((await readReply(res)).content).toBe("echo: big");
  });

  it("refuses a body one byte over 64 KiB that declares its Content-Length", async () => {
    const openid = newOpenid("over-cl");
    const body = paddedMessage(openid, MAX_BODY_BYTES + 1);
    const request = await signedPost(body, {}, { "content-length": String(MAX_BODY_BYTES + 1) });
    expect(request.headers.get("content-length")).toBe(String(MAX_BODY_BYTES + 1));
    // Refused on the declared length, before a byte of the body is read.
    expect(await refusalReasons(() => expectRefused(request, 413, openid))).toEqual([`body of ${MAX_BODY_BYTES + 1} bytes`]);
  });

  it("refuses a streamed body over 64 KiB that has no Content-Length", async () => {
    const openid = newOpenid("over-stream");
    const bytes = new TextEncoder().encode(paddedMessage(openid, MAX_BODY_BYTES + 1));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        // Several chunks, so the cap is enforced while counting, not from one read.
        for (let at = 0; at < bytes.length; at += 8192) controller.enqueue(bytes.slice(at, at + 8192));
        controller.close();
      },
    });
    const request = await signedPost(stream);
    expect(request.headers.get("content-length")).toBeNull();
    // Refused by counting, as soon as the count passes the cap.
    expect(await refusalReasons(() => expectRefused(request, 413, openid))).toEqual([`body over ${MAX_BODY_BYTES} bytes`]);
  });

  it("refuses a megabyte body", async () => {
    const openid = newOpenid("mega");
    await expectRefused(await signedPost(paddedMessage(openid, 1 << 20)), 413, openid);
  });
});

describe("GET /wechat (server verification) refuses bad requests", () => {
  it("answers 400 when echostr is missing", async () => {
    const res = await exports.default.fetch(new Request(`${BASE}?${await signedQuery()}`));
    expect(res.status).toBe(400);
  });

  it("answers 400 when echostr is empty", async () => {
    const res = await exports.default.fetch(await wechatVerifyGet(""));
    expect(res.status).toBe(400);
  });

  it("answers 403 for a forged signature, whatever the echostr", async () => {
    const res = await exports.default.fetch(await wechatVerifyGet("hello", { token: "not-the-token" }));
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain("hello");
  });

  it("answers 403 when the signature is missing", async () => {
    const res = await exports.default.fetch(new Request(`${BASE}?timestamp=1700000000&nonce=1&echostr=hello`));
    expect(res.status).toBe(403);
  });
});

describe("a replayed request", () => {
  const deployments = { plain: plaintextDeployment, safe: safeDeployment };
  for (const mode of ["plain", "safe"] as const) {
    it(`gets the same reply in ${mode} mode after the answer was delivered, without asking Dify again`, async () => {
      const openid = newOpenid(`replay-${mode}`);
      const xml = textMessageXml({ openid, content: "再问一次" });
      const first = await readReply(await callWorker(await wechatPost(xml, { mode }), deployments[mode]), mode);
      expect(first.content).toBe("echo: 再问一次");
      const replay = await readReply(await callWorker(await wechatPost(xml, { mode }), deployments[mode]), mode);
      expect(replay.status).toBe(200);
      expect(replay.content).toBe(first.content);
      expect(await difyAsks(openid)).toHaveLength(1);
      expect(await followerFootprint(openid)).toEqual({ objectExisted: true, jobs: 1, difyCalls: 1 });
    });
  }
});

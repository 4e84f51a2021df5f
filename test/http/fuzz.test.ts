import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import type { AppEnv } from "../../src/config";
import { WechatCipher } from "../../src/wechat/crypto";
import { isFreshTimestamp } from "../../src/wechat/freshness";
import { wechatSignature } from "../../src/wechat/signature";
import { buildWechatXml, parseWechatXml } from "../../src/wechat/xml";
import { callWorker, plaintextDeployment, safeDeployment } from "../support/deployments";
import { NO_FOOTPRINT, followerFootprint } from "../support/state-probe";
import { TEST_ACCOUNT, TEST_AES_KEY, TEST_APP_ID, TEST_TOKEN, eventXml, messageXml, textMessageXml } from "../support/wechat-fixtures";

/**
 * Property-based fuzzing of the callback path: whatever arrives, the worker answers 200, 400, 403 or 413, never
 * throws out of fetch, never reaches its last-resort error handler, and a refused request leaves no trace.
 * Fixed seeds keep every run (and CI) reproducible; a failure prints the seed and path to replay it.
 *
 * Requests go straight to the worker's default export with the test environment, not through
 * `exports.default.fetch`: in @cloudflare/vitest-pool-workers each call through that loopback gets slower the more
 * calls the file has made (cloudflare/workers-sdk#15446), which turns a few thousand cases into many minutes.
 *
 * Two deployments: the test project's, with an AES key (safe mode: every signed plaintext body is refused with 403),
 * and the same without a key (plaintext mode), where plaintext bodies reach the XML parser.
 */

const SEED = 20_261_126;
/** Enough cases per property to cover the branches; small enough that the file stays well under a minute. */
const RUNS = 200;
/** Documents near the 64 KiB cap cost more to build, send and parse. */
const BIG_RUNS = 60;
/** The full no-state probe (object, jobs table, Dify record) runs on every Nth refused case. */
const PROBE_EVERY = 20;

const BASE = "https://wechat.example/wechat";
const SIGNED_NAMES = ["signature", "timestamp", "nonce", "echostr", "encrypt_type", "msg_signature", "openid"] as const;
const encoder = new TextEncoder();
const runTag = crypto.randomUUID().slice(0, 6);
let openidCounter = 0;

/** A fresh openid per generated case, so every outcome can be checked against that follower alone. */
function freshOpenid(label: string): string {
  openidCounter += 1;
  return `o_fz_${label}_${runTag}_${openidCounter}`;
}

/** Stands for the current time in generated query values; replaced when the request is built. */
const NOW = "@now";

function nowSeconds(): string {
  return String(Math.floor(Date.now() / 1000));
}

/** sha1 signature for the test token over the query's timestamp and nonce, as WeChat computes it. */
function sign(timestamp: string, nonce: string): Promise<string> {
  return wechatSignature([TEST_TOKEN, timestamp, nonce]);
}

/** A POST /wechat with a valid `signature` (it covers only token, timestamp and nonce) and any body. */
async function signedPost(body: BodyInit, extra: Record<string, string> = {}): Promise<Request> {
  const timestamp = nowSeconds();
  const nonce = "31337";
  const query = new URLSearchParams({ signature: await sign(timestamp, nonce), timestamp, nonce, ...extra });
  return new Request(`${BASE}?${query}`, { method: "POST", body });
}

/** A safe-mode POST whose msg_signature is valid for the Encrypt text exactly as the worker will read it. */
async function safePost(encrypt: string, openid: string): Promise<Request> {
  const body = buildWechatXml([["ToUserName", TEST_ACCOUNT], ["Encrypt", encrypt]]);
  const seen = tryParse(body)?.["Encrypt"] ?? encrypt;
  const timestamp = nowSeconds();
  const nonce = "27182";
  const query = new URLSearchParams({
    signature: await sign(timestamp, nonce),
    timestamp,
    nonce,
    encrypt_type: "aes",
    msg_signature: await wechatSignature([TEST_TOKEN, timestamp, nonce, seen]),
    openid,
  });
  return new Request(`${BASE}?${query}`, { method: "POST", body });
}

function tryParse(xml: string): Record<string, string> | undefined {
  try {
    return parseWechatXml(xml);
  } catch {
    return undefined;
  }
}

/** Counts calls and says yes on every Nth, so the costly probe samples each property evenly. */
function everyNth(n: number): () => boolean {
  let count = 0;
  return () => ++count % n === 1;
}

let consoleErrors: MockInstance<typeof console.error> | undefined;

/**
 * Sends `request` to the worker and returns its status and body. The app's last-resort error handler answers 200 so
 * WeChat never sees a crash page; reaching it (or failing to reach the session) is a crash all the same, so the
 * lines it logs fail the case.
 */
async function send(request: Request, deployment: AppEnv = safeDeployment): Promise<{ status: number; body: string }> {
  const mark = consoleErrors?.mock.calls.length ?? 0;
  const res = await callWorker(request, deployment);
  const body = await res.text();
  const crashes = (consoleErrors?.mock.calls.slice(mark) ?? [])
    .map((args) => String(args[0]))
    .filter((line) => /"event":"(unhandled|session_unreachable)"/.test(line));
  expect(crashes).toEqual([]);
  return { status: res.status, body };
}

/**
 * Sends `request` to `deployment` and checks the outcome: an allowed status (and one of `exactly`, when given) and,
 * for a sampled refusal, that `openid` was left untouched.
 */
async function sendAndCheck(
  request: Request,
  openid: string,
  probe: () => boolean,
  exactly?: readonly number[],
  deployment: AppEnv = safeDeployment,
): Promise<number> {
  const { status } = await send(request, deployment);
  if (exactly) expect(exactly).toContain(status);
  else expect([200, 400, 403, 413]).toContain(status);
  if (status >= 400 && probe()) expect(await followerFootprint(openid)).toEqual(NO_FOOTPRINT);
  return status;
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries

/** Query values: printable, any Unicode, or near-misses of real values. */
const queryValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", "aes", "AES", "raw", "1700000000", NOW, NOW, "-1", "0".repeat(40), "%", "%zz", "+", "&", "=", "#"),
);

/** A query holding `params`, with {@link NOW} replaced by the current time. */
function queryOf(params: Record<string, string>): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) query.set(name, value === NOW ? nowSeconds() : value);
  return query;
}

/** Query parameters: mostly the names WeChat signs and reads, sometimes anything (including __proto__). */
const queryParams = fc.dictionary(
  fc.oneof(fc.constantFrom(...SIGNED_NAMES, "__proto__", "constructor", "toString"), fc.string({ maxLength: 12 })),
  queryValue,
  { maxKeys: 8 },
);

/** A real message of every common kind from `openid`, to mutate. */
function baseMessages(openid: string): string[] {
  return [
    textMessageXml({ openid, content: "你好 <b>&amp;</b> ]]> 😀" }),
    eventXml({ openid, event: "subscribe" }),
    eventXml({ openid, event: "CLICK", eventKey: "menu_1" }),
    messageXml({
      ToUserName: TEST_ACCOUNT, FromUserName: openid, CreateTime: 1700000000, MsgType: "location",
      Location_X: 23.134521, Location_Y: 113.358803, Scale: 20, Label: "广州", MsgId: "1234567890123456",
    }),
    messageXml({
      ToUserName: TEST_ACCOUNT, FromUserName: openid, CreateTime: 1700000000, MsgType: "image",
      PicUrl: "https://example.com/p.jpg", MediaId: "media_1", MsgId: "1234567890123457",
    }),
    messageXml({
      ToUserName: TEST_ACCOUNT, FromUserName: openid, CreateTime: 1700000000, MsgType: "voice",
      MediaId: "media_2", Format: "amr", Recognition: "语音", MsgId: "1234567890123458",
    }),
  ];
}

/** Fragments that steer XML mutations towards the parser's interesting states. */
const XML_TOKENS = [
  "<", ">", "&", "&amp;", "&lt;", "&#0;", "&#xD800;", "&x;", "]]>", "<![CDATA[", "<!--", "-->", "<?x ?>",
  "<!DOCTYPE xml>", "<!DOCTYPE xml [<!ENTITY x \"y\">]>", "<!ENTITY x \"y\">", "</xml>", "<xml>", "<a>", "</a>",
  "<a/>", " a=\"1\"", "\u0000", "\uFFFE", "\r\n", "\u00A0", "<MsgType>text</MsgType>", "<FromUserName>x</FromUserName>",
];

/** One mutation of a byte string; positions are taken modulo its length when applied. */
type Mutation =
  | { op: "flip"; at: number; bits: number }
  | { op: "truncate"; at: number }
  | { op: "delete"; at: number; length: number }
  | { op: "duplicate"; from: number; length: number; to: number }
  | { op: "insert"; at: number; bytes: Uint8Array };

const mutation = (insertable: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
    fc.record({ op: fc.constant("duplicate" as const), from: fc.nat(), length: fc.integer({ min: 1, max: 96 }), to: fc.nat() }),
    fc.record({ op: fc.constant("insert" as const), at: fc.nat(), bytes: insertable }),
  );

const xmlMutations = fc.array(
  mutation(fc.oneof(fc.constantFrom(...XML_TOKENS).map((t) => encoder.encode(t)), fc.uint8Array({ minLength: 1, maxLength: 8 }))),
  { minLength: 1, maxLength: 4 },
);

function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array<ArrayBuffer> {
  let bytes = Uint8Array.from(input);
  for (const m of mutations) {
    const n = bytes.length;
    const pos = (p: number) => (n === 0 ? 0 : p % (n + 1));
    switch (m.op) {
      case "flip":
        if (n > 0) bytes[m.at % n] = (bytes[m.at % n] ?? 0) ^ m.bits;
        break;
      case "truncate":
        bytes = bytes.slice(0, pos(m.at));
        break;
      case "delete": {
        const at = pos(m.at);
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + m.length));
        break;
      }
      case "duplicate": {
        const from = pos(m.from);
        const slice = bytes.slice(from, from + m.length);
        const to = pos(m.to);
        bytes = concat(bytes.subarray(0, to), slice, bytes.subarray(to));
        break;
      }
      case "insert": {
        const at = pos(m.at);
        bytes = concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at));
        break;
      }
    }
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Fields of a valid text message from `openid`, as XML, without the root element. */
function validFields(openid: string, content = "hi"): string {
  return textMessageXml({ openid, content }).slice("<xml>".length, -"</xml>".length);
}

/** Large or deep documents around the 64 KiB cap; each knows the openid it names. */
type BigDocument = (openid: string) => string;
const bigDocument: fc.Arbitrary<BigDocument> = fc.oneof(
  // Deeply nested elements inside a valid message: from a little to far past the cap.
  fc.integer({ min: 2, max: 12_000 }).map((depth) => (openid: string) =>
    `<xml>${validFields(openid)}${"<a>".repeat(depth)}x${"</a>".repeat(depth)}</xml>`),
  // Deep nesting that is never closed.
  fc.integer({ min: 2, max: 20_000 }).map((depth) => (openid: string) => `<xml>${validFields(openid)}${"<a>".repeat(depth)}`),
  // Thousands of distinct fields.
  fc.integer({ min: 1, max: 5_000 }).map((count) => (openid: string) =>
    `<xml>${validFields(openid)}${Array.from({ length: count }, (_, i) => `<F${i}>v</F${i}>`).join("")}</xml>`),
  // One huge text field, ASCII or 3-byte characters, just under or over the cap.
  fc.record({ chars: fc.integer({ min: 20_000, max: 70_000 }), char: fc.constantFrom("a", "中", "]]>") }).map(
    ({ chars, char }) => (openid: string) => textMessageXml({ openid, content: char.repeat(Math.floor(chars / char.length)) }),
  ),
  // Very long element names and many attributes (which are ignored).
  fc.record({ nameLength: fc.integer({ min: 1, max: 60_000 }), attributes: fc.integer({ min: 0, max: 3_000 }) }).map(
    ({ nameLength, attributes }) => (openid: string) => {
      const name = `N${"n".repeat(nameLength)}`;
      const attrs = Array.from({ length: attributes }, (_, i) => ` a${i}="${i}"`).join("");
      return `<xml${attrs}>${validFields(openid)}<${name}>v</${name}></xml>`;
    },
  ),
);

/** Entity-expansion and external-entity documents, with the DOCTYPE in plain sight or hidden from a text scan. */
const entityDocument = fc.record({
  depth: fc.integer({ min: 1, max: 10 }),
  width: fc.integer({ min: 1, max: 12 }),
  keyword: fc.constantFrom("DOCTYPE", "doctype", "DocType"),
  external: fc.boolean(),
  parameter: fc.boolean(),
  declaration: fc.boolean(),
  hide: fc.constantFrom("none", "comment", "pi", "attribute", "inside-root"),
  target: fc.constantFrom("FromUserName", "Content", "MsgType"),
}).map((o) => (openid: string) => {
  const entities = [`<!ENTITY e0 "${o.target === "FromUserName" ? openid : o.target === "MsgType" ? "text" : "lol"}">`];
  for (let i = 1; i <= o.depth; i++) entities.push(`<!ENTITY e${i} "${`&e${i - 1};`.repeat(o.width)}">`);
  if (o.external) entities.push(`<!ENTITY ext SYSTEM "file:///etc/passwd">`);
  if (o.parameter) entities.push(`<!ENTITY % p "<!ENTITY q 'x'>"> %p;`);
  const dtd = `<!${o.keyword} xml [${entities.join("")}]>`;
  const ref = o.target === "Content" ? `&e${o.depth};` : "&e0;";
  const value = (name: string, plain: string) => (name === o.target ? ref : plain);
  const fields =
    `<ToUserName>${TEST_ACCOUNT}</ToUserName><FromUserName>${value("FromUserName", openid)}</FromUserName>` +
    `<CreateTime>1700000000</CreateTime><MsgType>${value("MsgType", "text")}</MsgType>` +
    `<Content>${o.external ? "&ext;" : value("Content", "hi")}</Content><MsgId>99</MsgId>`;
  const decl = o.declaration ? `<?xml version="1.0"?>` : "";
  switch (o.hide) {
    case "none":
      return `${decl}${dtd}<xml>${fields}</xml>`;
    case "comment":
      return `${decl}<!-- <![CDATA[ -->${dtd}<!-- ]]> --><xml>${fields}</xml>`;
    case "pi":
      return `${decl}<?x <![CDATA[ ?>${dtd}<?y ]]> ?><xml>${fields}</xml>`;
    case "attribute":
      return `${decl}<xml><N a="<![CDATA["/>${dtd}${fields}<E b="]]>"/></xml>`;
    case "inside-root":
      return `${decl}<xml>${dtd}${fields}</xml>`;
  }
});

// ---------------------------------------------------------------------------------------------------------------

describe("fuzzing the WeChat callback", () => {
  beforeAll(() => {
    consoleErrors = vi.spyOn(console, "error");
  });
  afterAll(() => {
    consoleErrors?.mockRestore();
  });

  describe("random query strings", () => {
    it("GET answers 403 unless signed and fresh, then echoes echostr exactly or refuses an empty one with 400", async () => {
      await fc.assert(
        fc.asyncProperty(queryParams, fc.boolean(), async (params, signIt) => {
          const query = queryOf(params);
          if (signIt && !query.has("timestamp")) query.set("timestamp", nowSeconds());
          if (signIt && !query.has("nonce")) query.set("nonce", "");
          if (signIt) query.set("signature", await sign(query.get("timestamp") ?? "", query.get("nonce") ?? ""));
          const { status, body } = await send(new Request(`${BASE}?${query}`));
          if (!signIt || !isFreshTimestamp(query.get("timestamp"))) {
            expect(status).toBe(403);
            return;
          }
          const echostr = query.get("echostr") ?? "";
          expect(status).toBe(echostr === "" ? 400 : 200);
          if (echostr !== "") expect(body).toBe(echostr);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });

    it("GET and POST with a raw, unencoded query never get anything but 403 and leave no trace", async () => {
      const probe = everyNth(PROBE_EVERY);
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: "binary", maxLength: 200 }), fc.boolean(), async (raw, post) => {
          const openid = freshOpenid("rawq");
          let url: string;
          try {
            url = new URL(`${BASE}?${raw}`).toString();
          } catch {
            return; // not a URL at all: nothing could send it
          }
          const request = post ? new Request(url, { method: "POST", body: textMessageXml({ openid, content: "hi" }) }) : new Request(url);
          await sendAndCheck(request, openid, probe, [403]);
        }),
        { seed: SEED + 1, numRuns: RUNS },
      );
    });

    const deployments: Array<[string, AppEnv, number]> = [
      ["a safe-mode deployment, which refuses it", safeDeployment, 403],
      ["a plaintext deployment, which answers it", plaintextDeployment, 200],
    ];
    for (const [[name, deployment, plainStatus], seed] of deployments.map((d, i) => [d, SEED + 2 + i * 100] as const)) {
      it(`POST of a plain message with random query values to ${name}: 403 unless signed and fresh, no trace when refused`, async () => {
        const probe = everyNth(PROBE_EVERY);
        await fc.assert(
          fc.asyncProperty(queryParams, fc.boolean(), async (params, signIt) => {
            const openid = freshOpenid("postq");
            const query = queryOf(params);
            if (signIt) {
              const timestamp = query.get("timestamp") ?? nowSeconds();
              const nonce = query.get("nonce") ?? "1";
              query.set("timestamp", timestamp);
              query.set("nonce", nonce);
              query.set("signature", await sign(timestamp, nonce));
            }
            const request = new Request(`${BASE}?${query}`, { method: "POST", body: textMessageXml({ openid, content: "hi" }) });
            // A claim of safe mode where no key is set is the owner's configuration error, reported as 500.
            const claimsAes = query.get("encrypt_type")?.toLowerCase() === "aes";
            const allowed = !signIt ? [403] : claimsAes && deployment === plaintextDeployment ? [403, 500] : [200, 400, 403];
            const status = await sendAndCheck(request, openid, probe, allowed, deployment);
            // Signed and fresh: the plain message's fate is the deployment's, unless the query claims safe mode (then
            // its msg_signature decides).
            const fresh = signIt && isFreshTimestamp(query.get("timestamp"));
            if (!fresh) expect(status).toBe(403);
            else if (!claimsAes) expect(status).toBe(plainStatus);
          }),
          { seed, numRuns: RUNS },
        );
      });
    }
  });

  describe("random bodies with a valid signature (to a plaintext deployment unless said otherwise)", () => {
    it("refuses random text with 400 and leaves no trace", async () => {
      const probe = everyNth(PROBE_EVERY);
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: "binary", maxLength: 2_000 }), async (text) => {
          const openid = freshOpenid("rtext");
          await sendAndCheck(await signedPost(text, { openid }), openid, probe, [400], plaintextDeployment);
        }),
        { seed: SEED + 3, numRuns: RUNS },
      );
    });

    it("refuses random bytes, invalid UTF-8 included, with 400 and leaves no trace", async () => {
      const probe = everyNth(PROBE_EVERY);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 2_000 }), async (bytes) => {
          const openid = freshOpenid("rbytes");
          await sendAndCheck(await signedPost(bytes, { openid }), openid, probe, [400], plaintextDeployment);
        }),
        { seed: SEED + 4, numRuns: RUNS },
      );
    });

    it("answers mutated real messages with 200 or 400, and refusals leave no trace", async () => {
      const probe = everyNth(PROBE_EVERY);
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: 5 }), xmlMutations, async (kind, mutations) => {
          const openid = freshOpenid("mut");
          const xml = baseMessages(openid)[kind] ?? "";
          await sendAndCheck(await signedPost(mutate(encoder.encode(xml), mutations)), openid, probe, [200, 400], plaintextDeployment);
        }),
        { seed: SEED + 5, numRuns: 300 },
      );
    });

    it("answers huge and deeply nested documents with 200, 400 or 413, and refusals leave no trace", async () => {
      const probe = everyNth(5);
      await fc.assert(
        fc.asyncProperty(bigDocument, async (build) => {
          const openid = freshOpenid("big");
          await sendAndCheck(await signedPost(build(openid)), openid, probe, [200, 400, 413], plaintextDeployment);
        }),
        { seed: SEED + 6, numRuns: BIG_RUNS },
      );
    });

    it("refuses every entity-expansion and external-entity document with 400 and leaves no trace", async () => {
      const probe = everyNth(PROBE_EVERY);
      await fc.assert(
        fc.asyncProperty(entityDocument, async (build) => {
          const openid = freshOpenid("ent");
          await sendAndCheck(await signedPost(build(openid), { openid }), openid, probe, [400], plaintextDeployment);
        }),
        { seed: SEED + 7, numRuns: RUNS },
      );
    });

    it("refuses every signed plaintext body with 403 where an AES key is set, whatever it holds, leaving no trace", async () => {
      const probe = everyNth(PROBE_EVERY);
      const body = fc.oneof(
        fc.string({ unit: "binary", maxLength: 600 }).map((text) => () => text),
        fc.tuple(fc.nat({ max: 5 }), fc.option(xmlMutations, { nil: undefined })).map(([kind, mutations]) => (openid: string) => {
          const xml = baseMessages(openid)[kind] ?? "";
          return mutations === undefined ? xml : new TextDecoder().decode(mutate(encoder.encode(xml), mutations));
        }),
        entityDocument,
      );
      await fc.assert(
        fc.asyncProperty(body, async (build) => {
          const openid = freshOpenid("forged");
          await sendAndCheck(await signedPost(build(openid), { openid }), openid, probe, [403]);
        }),
        { seed: SEED + 12, numRuns: RUNS },
      );
    });
  });

  describe("safe mode with a valid msg_signature over whatever Encrypt holds", () => {
    const cipher = WechatCipher.create(TEST_AES_KEY, TEST_APP_ID);

    it("refuses random ciphertext of any length with 400 and leaves no trace", async () => {
      const probe = everyNth(PROBE_EVERY);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 700 }), async (bytes) => {
          const openid = freshOpenid("rcipher");
          await sendAndCheck(await safePost(toBase64(bytes), openid), openid, probe, [400]);
        }),
        { seed: SEED + 8, numRuns: RUNS },
      );
    });

    it("refuses random Encrypt text, base64-like or not, with 400 and leaves no trace", async () => {
      const probe = everyNth(PROBE_EVERY);
      const b64ish = fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n"), maxLength: 400 });
      await fc.assert(
        fc.asyncProperty(fc.oneof(b64ish, fc.string({ unit: "binary", maxLength: 400 })), async (encrypt) => {
          const openid = freshOpenid("rb64");
          await sendAndCheck(await safePost(encrypt, openid), openid, probe, [400]);
        }),
        { seed: SEED + 9, numRuns: RUNS },
      );
    });

    it("answers mutated real ciphertext with 200 or 400, and refusals leave no trace", async () => {
      const probe = everyNth(PROBE_EVERY);
      const byteLevel = fc.array(mutation(fc.uint8Array({ minLength: 1, maxLength: 48 })), { minLength: 1, maxLength: 3 });
      const textLevel = fc.array(
        mutation(fc.constantFrom("A", "=", "==", "+", "/", "-", " ", "\n", "!").map((t) => encoder.encode(t))),
        { minLength: 1, maxLength: 3 },
      );
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: 5 }), fc.oneof(byteLevel.map((m) => ({ level: "bytes" as const, m })), textLevel.map((m) => ({ level: "text" as const, m }))), async (kind, change) => {
          const openid = freshOpenid("mcipher");
          const encrypt = await (await cipher).encrypt(baseMessages(openid)[kind] ?? "");
          const mutated = change.level === "bytes"
            ? toBase64(mutate(fromBase64(encrypt), change.m))
            : new TextDecoder().decode(mutate(encoder.encode(encrypt), change.m));
          await sendAndCheck(await safePost(mutated, openid), openid, probe, [200, 400]);
        }),
        { seed: SEED + 10, numRuns: 300 },
      );
    });

    it("answers well-encrypted random or mutated inner documents with 200 or 400, and refusals leave no trace", async () => {
      const probe = everyNth(PROBE_EVERY);
      const inner = fc.oneof(
        fc.string({ unit: "binary", maxLength: 600 }).map((text) => () => text),
        fc.tuple(fc.nat({ max: 5 }), xmlMutations).map(([kind, mutations]) => (openid: string) =>
          new TextDecoder().decode(mutate(encoder.encode(baseMessages(openid)[kind] ?? ""), mutations))),
        entityDocument,
      );
      await fc.assert(
        fc.asyncProperty(inner, async (build) => {
          const openid = freshOpenid("inner");
          const encrypt = await (await cipher).encrypt(build(openid));
          await sendAndCheck(await safePost(encrypt, openid), openid, probe, [200, 400]);
        }),
        { seed: SEED + 11, numRuns: RUNS },
      );
    });
  });
});

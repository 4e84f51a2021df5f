import { describe, expect, it } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { deliverLikeWechat, postOnce } from "../support/wechat-retries";

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const POLITE = "抱歉，暂时无法回答，请稍后再试。";

describe("when Dify fails, the follower gets a short polite text", () => {
  // A busy Dify (429 too_many_requests) is asked once more before the polite text; other failures are final.
  const cases: Array<[string, string, number?]> = [
    ["an HTTP 500", "[status=500:internal_server_error]"],
    ["a 429 rate limit", "[status=429:too_many_requests]", 2],
    ["a 400 app unavailable", "[status=400:app_unavailable]"],
    ["an error event mid-stream", "[error-event]"],
    ["a dropped connection", "[drop]"],
    ["a stream that stalls past the idle timeout", "[stall]"],
  ];
  for (const [what, directive, asks = 1] of cases) {
    it(`on ${what}`, async () => {
      const openid = newOpenid("fail");
      const seen = await deliverLikeWechat(textMessageXml({ openid, content: `${directive} 问题` }));
      expect(seen.reply?.status).toBe(200);
      expect(seen.reply?.content).toBe(POLITE);
      expect(seen.reply?.raw).not.toMatch(/Error|mock|stack|internal_server_error/);
      expect(await difyAsks(openid)).toHaveLength(asks);
    });
  }

  it("and the next message is answered normally", async () => {
    const openid = newOpenid("fail-then-ok");
    expect((await postOnce(textMessageXml({ openid, content: "[status=500] 坏" }))).content).toBe(POLITE);
    expect((await postOnce(textMessageXml({ openid, content: "好" }))).content).toBe("echo: 好");
  });

  it("says sorry when Dify answers nothing", async () => {
    const openid = newOpenid("empty");
    const reply = await postOnce(textMessageXml({ openid, content: "[answer=] 空" }));
    expect(reply.content).toBe("抱歉，这次没有得到回答，请换个说法再试试。");
  });
});

describe("answers are shaped for WeChat", () => {
  it("turns Markdown into plain text and drops <think> reasoning", async () => {
    const openid = newOpenid("shape");
    const md = "<think>推理过程</think># 标题\n\n**重点** 和 [链接](https://example.com)\n\n- 一\n- 二";
    const reply = await postOnce(textMessageXml({ openid, content: `[answer64=${base64(md)}] q` }));
    expect(reply.content).not.toContain("推理过程");
    expect(reply.content).not.toContain("**");
    expect(reply.content).not.toContain("# ");
    expect(reply.content).toContain("重点");
    expect(reply.content).toContain("链接 (https://example.com)");
    expect(reply.content).toMatch(/• 一\n• 二/);
  });
});

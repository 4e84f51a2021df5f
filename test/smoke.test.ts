import { exports } from "cloudflare:workers";
import { inject, it, expect } from "vitest";

it("reaches the mock dify from workerd", async () => {
  const res = await fetch(`${inject("difyUrl")}/chat-messages`, { method: "POST", headers: { authorization: "Bearer app-test-key", "content-type": "application/json" }, body: JSON.stringify({ user: "u1", query: "hi", inputs: {}, response_mode: "streaming" }) });
  const text = await res.text();
  expect(text).toContain("message_end");
  const r2 = await exports.default.fetch(new Request("https://x/"));
  expect(await r2.text()).toBe("ok");
});

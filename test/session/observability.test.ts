import { afterEach, describe, expect, it, vi } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";

function captureLogs(): { lines: () => Array<Record<string, unknown>>; raw: () => string } {
  const seen: string[] = [];
  for (const method of ["log", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      seen.push(args.map(String).join(" "));
    });
  }
  return {
    raw: () => seen.join("\n"),
    lines: () =>
      seen.flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
  };
}

afterEach(() => vi.restoreAllMocks());

describe("logs", () => {
  it("write one structured summary line per message, with a hashed follower and Dify's timings", async () => {
    const logs = captureLogs();
    const openid = newOpenid("log");
    await postOnce(textMessageXml({ openid, content: "[delay=300] 记录" }));
    const summaries = logs.lines().filter((l) => l.event === "message");
    expect(summaries).toHaveLength(1);
    const [summary] = summaries;
    expect(summary).toMatchObject({ level: "info", type: "text", path: "passive", parts: 1, attempts: 1, deliveries: 1 });
    expect(summary?.user).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof summary?.key).toBe("string");
    expect(summary?.difyFirstTokenMs).toBeGreaterThanOrEqual(300);
    expect(summary?.difyTotalMs).toBeGreaterThanOrEqual(summary?.difyFirstTokenMs as number);
  });

  it("carry the cause of a Dify failure with its codes", async () => {
    const logs = captureLogs();
    const openid = newOpenid("log-fail");
    await postOnce(textMessageXml({ openid, content: "[status=429:too_many_requests] 限流" }));
    const [summary] = logs.lines().filter((l) => l.event === "message");
    expect(summary?.error).toMatchObject({ error: "DifyError", kind: "http", status: 429, code: "too_many_requests" });
  });

  it("never contain the raw openid or any secret", async () => {
    const logs = captureLogs();
    const openid = newOpenid("log-secret");
    await postOnce(textMessageXml({ openid, content: "[status=500] 秘密" }));
    await postOnce(textMessageXml({ openid, content: "/clear" }));
    const raw = logs.raw();
    expect(raw.length).toBeGreaterThan(0);
    for (const secret of [openid, "app-test-key", "test-token", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "test-app-secret"]) {
      expect(raw).not.toContain(secret);
    }
  });
});

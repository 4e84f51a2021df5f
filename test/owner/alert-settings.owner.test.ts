/**
 * ALERT_WEBHOOK_URL and ALERT_WEBHOOK_FORMAT as src/config.ts reads them: https only (http to this machine for the
 * stand-ins), never quoted in a problem (a WeCom robot's URL holds its key), per account through ACCOUNTS.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ACCOUNT_SETTINGS, configFor, readConfig, type AppEnv } from "../../src/config";

const read = (settings: Record<string, string>) => readConfig({ WECHAT_TOKEN: "t", DIFY_API_KEY: "app-k", ...settings } as unknown as AppEnv);
const ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key-123";

describe("ALERT_WEBHOOK_URL and ALERT_WEBHOOK_FORMAT", () => {
  it("are off by default, json when only the URL is given", () => {
    expect(read({}).alerts).toEqual({ format: "json" });
    expect(read({ ALERT_WEBHOOK_URL: ROBOT }).alerts).toEqual({ webhookUrl: ROBOT, format: "json" });
    expect(read({ ALERT_WEBHOOK_URL: ROBOT, ALERT_WEBHOOK_FORMAT: "WeCom" }).alerts.format).toBe("wecom");
  });

  it("refuse a URL that is not https (http only to this machine) without quoting it", () => {
    for (const bad of ["http://hooks.example/robot?key=robot-key-123", "robot-key-123", "ftp://x/robot-key-123"]) {
      const config = read({ ALERT_WEBHOOK_URL: bad });
      expect(config.alerts.webhookUrl).toBeUndefined();
      expect(config.problems).toEqual(["ALERT_WEBHOOK_URL is not an https:// URL: no alerts are posted"]);
    }
    expect(read({ ALERT_WEBHOOK_URL: "http://127.0.0.1:8080/hook" }).alerts.webhookUrl).toBe("http://127.0.0.1:8080/hook");
  });

  it("report a format that is neither json nor wecom, and use json", () => {
    const config = read({ ALERT_WEBHOOK_URL: ROBOT, ALERT_WEBHOOK_FORMAT: "slack" });
    expect(config.alerts.format).toBe("json");
    expect(config.problems).toEqual(['ALERT_WEBHOOK_FORMAT="slack" is not json or wecom; using json']);
  });

  it("are per account: ACCOUNTS may give them, and an account without them has none", () => {
    expect(ACCOUNT_SETTINGS.has("ALERT_WEBHOOK_URL")).toBe(true);
    expect(ACCOUNT_SETTINGS.has("ALERT_WEBHOOK_FORMAT")).toBe(true);
    expect(configFor(env as AppEnv, "alert-key").alerts).toMatchObject({ format: "wecom", webhookUrl: expect.stringContaining("/cgi-bin/webhook/send?key=") });
    expect(configFor(env as AppEnv, "blocked").alerts).toEqual({ format: "json" });
  });
});

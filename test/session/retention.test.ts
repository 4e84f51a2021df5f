import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RETENTION_MS } from "../../src/session/follower-session";
import { textMessageXml } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";

describe("a follower's record", () => {
  it("is cleaned up once it is older than the retention period, by the alarm", async () => {
    const openid = newOpenid("retention");
    await postOnce(textMessageXml({ openid, content: "旧消息" }));
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    const count = () =>
      runInDurableObject(stub, (_instance, state) => ({
        jobs: Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM jobs").one().n),
        parts: Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM parts").one().n),
      }));
    expect(await count()).toEqual({ jobs: 1, parts: 1 });
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE jobs SET first_seen = first_seen - ?", RETENTION_MS + 60_000);
    });
    await runDurableObjectAlarm(stub);
    expect(await count()).toEqual({ jobs: 0, parts: 0 });
  });
});

import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Tests run inside workerd (the Workers runtime) through the workers pool. Outside parties — Dify and WeChat's API —
 * are real HTTP servers on 127.0.0.1 started by test/support/global-setup.ts; their URLs reach the worker as vars.
 */
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          WECHAT_APP_ID: "wx5823bf96d3bd56c7",
          WECHAT_TOKEN: "test-token",
          WECHAT_ENCODING_AES_KEY: "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
          WECHAT_APP_SECRET: "test-app-secret",
          DIFY_API_KEY: "app-test-key",
          DIFY_API_BASE: inject<string>("difyUrl"),
          WECHAT_API_BASE: inject<string>("wechatApiUrl"),
        },
      },
    })),
  ],
  test: {
    globalSetup: ["./test/support/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // The worker logs one JSON line per event; show them only for failing tests.
    silent: "passed-only",
    hookTimeout: 30_000,
  },
});

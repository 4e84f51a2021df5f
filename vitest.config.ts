import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { divertWorkerLogs } from "./test/support/worker-log-file.js";

// The worker's log lines go to test-results/worker-log.ndjson (see that module for why the console is not intercepted).
divertWorkerLogs();
import { ownerBindings, type StandInUrls } from "./test/owner/bindings.js";

/**
 * Tests run inside workerd (the Workers runtime) through the workers pool. Outside parties — Dify and WeChat's API —
 * are real HTTP servers on 127.0.0.1 started by test/support/global-setup.ts; their URLs reach the worker as vars.
 *
 * Two projects, because delivery mode is a deployment setting:
 * - "pull": the default settings (ENABLE_CUSTOM_MESSAGE=false): late answers are collected with "1".
 * - "cs": customer-service mode (ENABLE_CUSTOM_MESSAGE=true): late answers are pushed. Files named *.cs.test.ts.
 * - "basic", "workflow", "completion": other kinds of Dify app (the stand-in tells them apart by API key).
 */
const SPECIAL = ["owner", "scripts", "browser", "rules", "page", "cs", "restart", "basic", "workflow", "completion", "model", "accounts", "cs-workflow"];
/** A project's own bindings; a function of the stand-ins' URLs when they must point at them. */
type Bindings = Record<string, string> | ((urls: StandInUrls) => Record<string, string>);
function project(name: string, include: string[], exclude: string[], bindings: Bindings): TestProjectInlineConfiguration {
  return {
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
            // Above Dify's 10 s ping interval (the stand-in pings as Dify does), short enough for stall tests.
            DIFY_IDLE_TIMEOUT_MS: "11000",
            // Replies carry no page link here, so their texts read as without the page; the "page" project has it on.
            ANSWER_PAGE: "false",
            ...(typeof bindings === "function"
              ? bindings({ dify: inject<string>("difyUrl"), wechatApi: inject<string>("wechatApiUrl") })
              : bindings),
          },
        },
      })),
    ],
    test: {
      name,
      include,
      exclude,
      globalSetup: ["./test/support/global-setup.ts"],
      testTimeout: 90_000,
      hookTimeout: 30_000,
      // Intercepting console stalls whole runs when a Durable Object logs after a file's last test (see above).
      disableConsoleIntercept: true,
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      project("pull", ["test/**/*.test.ts"], [`test/**/*.{${SPECIAL.join(",")}}.test.ts`], {}),
      project("cs", ["test/**/*.cs.test.ts"], [], { ENABLE_CUSTOM_MESSAGE: "true" }),
      // The self-check and the alerts (issue 12, part 4): an account per thing they must notice (test/owner/bindings.ts).
      project("owner", ["test/owner/**/*.owner.test.ts"], [], ownerBindings),
      // The owner's scripts (doctor, menu, setup) in Node, against the stand-ins and a local worker.
      {
        test: {
          name: "scripts",
          include: ["test/scripts/**/*.scripts.test.ts"],
          environment: "node",
          globalSetup: ["./test/support/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      // The answer page in headless Chromium (Debian's /usr/bin/chromium via playwright-core), in Node: each file starts
      // its own stand-ins and the worker in wrangler's test harness. Last and alone, since its checks watch the clock.
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.browser.test.ts"],
          environment: "node",
          sequence: { groupOrder: 2 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      // The live answer page (ANSWER_PAGE on, as deployed by default): replies carry its link. Files *.page.test.ts.
      project("page", ["test/**/*.page.test.ts"], [], { ANSWER_PAGE: "true" }),
      // Restart tests abort every Durable Object of their runtime, so they get one of their own (CS mode).
      project("restart", ["test/**/*.restart.test.ts"], [], { ENABLE_CUSTOM_MESSAGE: "true" }),
      // A plain chatbot found through GET /info: no image input, no speech to text, no app secret, English texts.
      project("basic", ["test/**/*.basic.test.ts"], [], {
        DIFY_API_KEY: "app-basic-key",
        DIFY_APP_TYPE: "",
        WECHAT_APP_SECRET: "",
        LANGUAGE: "en_US",
        WELCOME_MESSAGE: "Welcome aboard!",
      }),
      project("workflow", ["test/**/*.workflow.test.ts"], [], { DIFY_API_KEY: "app-workflow-key", DIFY_APP_TYPE: "" }),
      // A workflow app in CS mode: late answers stream out progressively (issue 9: only the answer output may).
      project("cs-workflow", ["test/**/*.cs-workflow.test.ts"], [], {
        DIFY_API_KEY: "app-workflow-key", DIFY_APP_TYPE: "", ENABLE_CUSTOM_MESSAGE: "true",
      }),
      project("completion", ["test/**/*.completion.test.ts"], [], {
        DIFY_API_KEY: "app-completion-key",
        DIFY_APP_TYPE: "completion",
        DIFY_INPUTS: '{"tone":"friendly"}',
      }),
      // The owner's tools (test/owner-rules/): keyword replies (good rules and one of each kind of bad one), handoff
      // with its defaults, 3 questions an hour, two blocked openids; "quiet" turns handoffs off, "desk" is in CS mode
      // with WeChat's shortest timeout. Both are plaintext-mode accounts with tokens of their own.
      project("rules", ["test/**/*.rules.test.ts"], [], {
        KEYWORD_REPLIES: JSON.stringify([
          { keyword: "营业时间", reply: "每天 9:00–18:00" },
          { match: "contains", keyword: "Refund", reply: "Refunds: open the order page." },
          { match: "regex", keyword: "^订单\\s*\\d{6,}$", reply: "订单查询请登录官网。" },
          { match: "regex", keyword: "(a+)+$", reply: "never: exponential" },
          { match: "regex", keyword: "([", reply: "never: does not compile" },
          { match: "shout", keyword: "HEY", reply: "never: no such match" },
          { match: "regex", keyword: ".*a.*b.*c.*d", reply: "never: too many repeats" },
          { keyword: "营业时间", reply: "never: an earlier rule matches first" },
          { match: "contains", keyword: "营业", reply: "我们正在营业。" },
          { match: "regex", keyword: "^hello\\b", reply: "Hi there!" },
          { keyword: "MENU_HOURS", reply: "每天 9:00–18:00（菜单）" },
        ]),
        RATE_LIMIT_PER_HOUR: "3",
        BLOCKED_OPENIDS: "o_blocked_rules_1, o_blocked_rules_2",
        ACCOUNTS: JSON.stringify({
          quiet: { WECHAT_APP_ID: "wx0000000000009e17", HANDOFF_KEYWORDS: "" },
          desk: { WECHAT_APP_ID: "wx000000000000de5c", ENABLE_CUSTOM_MESSAGE: "true", WECHAT_REQUEST_TIMEOUT_MS: "500" },
        }),
        QUIET_WECHAT_TOKEN: "quiet-token",
        DESK_WECHAT_TOKEN: "desk-token",
        DESK_WECHAT_APP_SECRET: "desk-app-secret",
      }),
      // Several accounts in one deployment: the default one (the settings above, pull mode) plus "shop" (CS mode,
      // English, its own token, key, secret and Dify app), "clinic" (no token of its own: not servable), and ACCOUNTS
      // entries that are wrong in each way the worker must report by name.
      project("accounts", ["test/**/*.accounts.test.ts"], [], {
        ACCOUNTS: JSON.stringify({
          shop: { WECHAT_APP_ID: "wx00000000000005a0", ENABLE_CUSTOM_MESSAGE: "true", LANGUAGE: "en_US" },
          clinic: { WECHAT_APP_ID: "wx00000000000c1a1c" },
          "Bad_Name": { LANGUAGE: "en_US" },
          typo: { LANGUAG: "en_US", DIFY_API_KEY: "app-in-the-wrong-place" },
        }),
        SHOP_WECHAT_TOKEN: "shop-token",
        SHOP_WECHAT_ENCODING_AES_KEY: "JCSKasQP0UfUHuJGHcVNV/Ex3SkAH5URNwZuDRMI/sE",
        SHOP_WECHAT_APP_SECRET: "shop-app-secret",
        SHOP_DIFY_API_KEY: "app-shop-key",
        TYPO_WECHAT_TOKEN: "typo-token",
      }),
      // The session model (test/session/session-model.model.test.ts) in each delivery mode: it restarts objects, so
      // each mode is a runtime of its own; WeChat's shortest timeout and small parts keep a run to seconds.
      // MODEL_RUNS, MODEL_SEED, MODEL_PATH and MODEL_SHRINK (from the shell): how many cases, from which seed and path, shrunk.
      ...(["model", "model-cs"] as const).map((name) =>
        project(name, ["test/**/*.model.test.ts"], [], {
          ENABLE_CUSTOM_MESSAGE: name === "model-cs" ? "true" : "false",
          WECHAT_REQUEST_TIMEOUT_MS: "500",
          MESSAGE_PART_MAX_BYTES: "512",
          MODEL_RUNS: process.env.MODEL_RUNS ?? "",
          MODEL_SEED: process.env.MODEL_SEED ?? "",
          MODEL_SHRINK: process.env.MODEL_SHRINK ?? "",
          MODEL_PATH: process.env.MODEL_PATH ?? "",
        }),
      ),
    ],
  },
});

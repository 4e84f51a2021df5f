/**
 * `npm run demo`: the worker running locally against stand-ins for Dify and WeChat's API, no account needed.
 * Starts both stand-ins and `wrangler dev` serving two accounts (the default one at /wechat and "shop" at
 * /wechat/shop, each answered by its own stand-in Dify app), plays a short scripted tour through the WeChat simulator, then keeps
 * running so you can send your own messages with `npm run simulate`. Ctrl-C stops everything it started.
 *
 *   npm run demo                      tour, then keep running (pull mode: late answers are collected with "1")
 *   npm run demo -- --cs              customer-service mode (late answers are pushed)
 *   npm run demo -- --tour-only       exit after the tour (0 when it went as expected), e.g. in CI
 *   npm run demo -- --no-tour         just start everything
 *   npm run demo -- --port 8788       another port for wrangler dev (default 8787)
 *   npm run demo -- --show-logs       also print wrangler's output (the worker's JSON logs)
 */
import { parseArgs } from "node:util";
import { DEMO_ACCOUNT, DEMO_SHOP, startDemoStack, type DemoStack } from "./lib/demo-stack";
import { DEFAULT_OPENID, removeDemoHandoff, writeDemoHandoff, type SimulatorSettings } from "./lib/settings";
import { runTour } from "./lib/tour";

const USAGE = `usage: npm run demo -- [--cs] [--tour-only | --no-tour] [--port N] [--show-logs]`;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      options: {
        cs: { type: "boolean", default: false },
        "tour-only": { type: "boolean", default: false },
        "no-tour": { type: "boolean", default: false },
        port: { type: "string", default: "8787" },
        "show-logs": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (flags.help) {
    say(USAGE);
    return 0;
  }
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.stderr.write(`--port must be a port number\n${USAGE}\n`);
    return 2;
  }
  if (flags["tour-only"] && flags["no-tour"]) {
    process.stderr.write(`--tour-only and --no-tour exclude each other\n${USAGE}\n`);
    return 2;
  }

  say(`Starting the demo (${flags.cs ? "customer-service mode" : "pull mode"}) on 127.0.0.1...`);
  let stack: DemoStack;
  try {
    stack = await startDemoStack({ cs: flags.cs, port, showLogs: flags["show-logs"], say: (l) => say(`  ${l}`) });
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  say(`  worker               ${stack.callbackUrl} is answering (the default account, Dify app ${DEMO_ACCOUNT.difyApiKey})`);
  say(`                       ${stack.shopCallbackUrl} too (account "${DEMO_SHOP.name}": its own token, key and AppID, Dify app ${DEMO_SHOP.difyApiKey})`);

  let stopping = false;
  const stop = async (why: string, code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      say(`\n${why}: stopping wrangler (pid ${stack.pid}) and the stand-ins...`);
      removeDemoHandoff();
      await stack.stop();
      say("Stopped.");
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void stop("Ctrl-C", 0));
  process.on("SIGTERM", () => void stop("SIGTERM", 0));
  void stack.exited.then((code) => {
    if (!stopping) void stop(`wrangler exited on its own (code ${String(code)}; see ${stack.logFile})`, 1);
  });

  writeDemoHandoff({
    url: stack.callbackUrl,
    token: DEMO_ACCOUNT.token,
    encodingAesKey: DEMO_ACCOUNT.encodingAesKey,
    appId: DEMO_ACCOUNT.appId,
    accounts: { [DEMO_SHOP.name]: { token: DEMO_SHOP.token, encodingAesKey: DEMO_SHOP.encodingAesKey, appId: DEMO_SHOP.appId } },
    wechatApi: stack.wechatApiUrl,
    cs: flags.cs,
    pid: process.pid,
  });

  let problems: string[] = [];
  if (!flags["no-tour"]) {
    // A follower of its own per run: earlier runs' state in .wrangler/demo-state cannot change the tour.
    const run = Date.now().toString(36);
    const settings: SimulatorSettings & { wechatApi: string } = {
      target: stack.callbackUrl,
      accountName: "default",
      token: DEMO_ACCOUNT.token,
      mode: "safe",
      encodingAesKey: DEMO_ACCOUNT.encodingAesKey,
      appId: DEMO_ACCOUNT.appId,
      ghId: "gh_demo_account",
      openid: `o-demo-tour-${run}`,
      wechatApi: stack.wechatApiUrl,
      origins: [],
    };
    // WeChat gives a follower another openid at each account, so the shop's follower has one of its own.
    const shop: SimulatorSettings & { wechatApi: string } = {
      ...settings,
      target: stack.shopCallbackUrl,
      accountName: DEMO_SHOP.name,
      token: DEMO_SHOP.token,
      encodingAesKey: DEMO_SHOP.encodingAesKey,
      appId: DEMO_SHOP.appId,
      ghId: "gh_demo_shop",
      openid: `o-demo-shop-${run}`,
    };
    try {
      problems = await runTour({ settings, shop, difyUrl: stack.difyUrl, cs: flags.cs, say });
    } catch (error) {
      problems = [error instanceof Error ? error.message : String(error)];
      say(`Tour failed: ${problems[0] ?? ""}`);
    }
  }
  if (flags["tour-only"]) return stop("Tour done", problems.length === 0 ? 0 : 1);

  say("");
  say("The demo keeps running. In another terminal, be a follower yourself:");
  say(`  npm run simulate -- "你好"                         (follower ${DEFAULT_OPENID}; the demo's settings are picked up)`);
  say(`  npm run simulate -- "[delay=12000] 慢慢想"            (a slow answer: watch the retries${flags.cs ? " and the push" : ", then send 1"})`);
  say("  npm run simulate -- --interactive                   (a chat prompt; :help lists events, images, voice...)");
  say("  npm run simulate -- --event subscribe               (follow the account)");
  say(`  ${`npm run simulate -- --account ${DEMO_SHOP.name} "hello"`.padEnd(52)}(the second account, /wechat/${DEMO_SHOP.name}: its own settings and Dify app)`);
  say("The same without the demo's hand-off:");
  say(`  npm run simulate -- --url ${stack.callbackUrl} --token ${DEMO_ACCOUNT.token} --mode safe \\`);
  say(`      --aes-key ${DEMO_ACCOUNT.encodingAesKey} --app-id ${DEMO_ACCOUNT.appId} --wechat-api ${stack.wechatApiUrl} "你好"`);
  say(`  npm run simulate -- --url ${stack.workerUrl} --account ${DEMO_SHOP.name} --token ${DEMO_SHOP.token} \\`);
  say(`      --aes-key ${DEMO_SHOP.encodingAesKey} --app-id ${DEMO_SHOP.appId} --wechat-api ${stack.wechatApiUrl} "hello"`);
  say("Stand-in directives: [delay=MS] [answer=TEXT] [long=N] [status=500:x] [error-event] [stall] (test/support/mock-dify.ts).");
  say(`Worker logs: ${stack.logFile} (or restart with --show-logs). Press Ctrl-C to stop.`);
  await new Promise<never>(() => undefined);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

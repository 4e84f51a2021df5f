/**
 * `npm run simulate`: plays WeChat against a worker (local or deployed). It signs and, in safe mode, encrypts each
 * message with its own node:crypto implementation of the protocol, sends it with WeChat's real timing (5 s per
 * request, 3 identical requests), checks the reply as WeChat would, and prints what the follower sees.
 *
 *   npm run simulate -- "你好"                                  against http://127.0.0.1:8787/wechat
 *   npm run simulate -- --url https://bot.example.com/wechat --token T --aes-key K --app-id wx... "你好"
 *   npm run simulate -- --account shop "你好"                   against .../wechat/shop with SHOP_WECHAT_TOKEN, ...
 *   npm run simulate -- --verify                                the console's URL check (GET with echostr)
 *   npm run simulate -- --interactive                           a chat prompt
 *   npm run simulate -- --self-test                             check the simulator itself (offline, ~3 s)
 */
import { randomInt } from "node:crypto";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { actionFromLine, actionsFromFlags, REPL_HELP } from "./lib/actions";
import { verificationUrl } from "./lib/callback";
import { CsWatcher, describeCsMessage } from "./lib/cs-watch";
import { describeFetchError } from "./lib/deliver";
import { SimulatedFollower, deliveredFine } from "./lib/follower";
import type { FollowerAction } from "./lib/messages";
import { runSelfTest } from "./lib/self-test";
import { DEFAULT_GH_ID, DEFAULT_OPENID, DEFAULT_TARGET, resolveSettings, type SimulatorSettings } from "./lib/settings";
import { Transcript } from "./lib/transcript";

const USAGE = `usage: npm run simulate -- [options] [message...]

Where to:
  --url URL            the worker's callback URL (default ${DEFAULT_TARGET}); with --account, the deployment's
                       base (origin, .../wechat or another account's URL): the account's URL is .../wechat/NAME
  --account NAME       an account ACCOUNTS names (several accounts in one deployment): talks to /wechat/NAME with
                       NAME's settings (SHOP_WECHAT_TOKEN, SHOP_WECHAT_ENCODING_AES_KEY, ACCOUNTS' WECHAT_APP_ID for
                       "shop"); never the default account's. "default" or none: the top-level account at /wechat
  --token T            WeChat Token (default: env WECHAT_TOKEN or <NAME>_WECHAT_TOKEN, .dev.vars, or the running demo)
  --mode M             plain | compat | safe (default: safe when an EncodingAESKey is known, else plain)
  --aes-key K          EncodingAESKey (default: env WECHAT_ENCODING_AES_KEY or <NAME>_WECHAT_ENCODING_AES_KEY, .dev.vars)
  --app-id ID          AppID (default: env WECHAT_APP_ID, or WECHAT_APP_ID in ACCOUNTS' entry for NAME; env,
                       .dev.vars or wrangler.toml)
  --openid ID          the follower (default ${DEFAULT_OPENID}, so conversations continue across runs)
  --gh-id GH           the account's gh_ id (ToUserName; default ${DEFAULT_GH_ID})
What to send (default: one text message per argument):
  --event NAME [--key K]   an event: subscribe, CLICK --key MENU_KEY, ...
  --image URL              an image (PicUrl)
  --voice [text]           a voice message; the text becomes WeChat's Recognition (none: the worker transcribes)
  --location "LAT,LNG[,LABEL]"
  --link URL [title]
  --interactive, -i        a prompt: each line is a message (:help for events and more)
  --verify                 first do the server check WeChat's console does (GET with echostr)
Customer-service pushes (WeChat API stand-in only):
  --wechat-api URL         the stand-in's base URL; its GET /__sent shows what the worker pushed
  --wait S                 watch for pushes S seconds after the last reply (default: up to 30 s when the last
                           reply came on request 3, else 3 s; ends 5 s after the pushes stop)
Other:
  --max-chars N            cut long texts in the transcript
  --self-test              check the simulator's crypto, XML and timing offline, then exit
Exit code: 0 when every message got a 200 with a reply WeChat accepts; 1 otherwise; 2 for bad usage.`;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fail(message: string, code = 2): number {
  process.stderr.write(`simulate: ${message}\n`);
  return code;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        mode: { type: "string" },
        "aes-key": { type: "string" },
        "app-id": { type: "string" },
        openid: { type: "string" },
        account: { type: "string" },
        "gh-id": { type: "string" },
        event: { type: "string" },
        key: { type: "string" },
        image: { type: "string" },
        voice: { type: "boolean" },
        location: { type: "string" },
        link: { type: "string" },
        interactive: { type: "boolean", short: "i" },
        verify: { type: "boolean" },
        "wechat-api": { type: "string" },
        wait: { type: "string" },
        "max-chars": { type: "string" },
        "self-test": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
  const { values: f, positionals } = parsed;
  if (f.help === true) {
    say(USAGE);
    return 0;
  }
  if (f["self-test"] === true) return (await runSelfTest(say)) ? 0 : 1;

  let settings: SimulatorSettings;
  let actions: FollowerAction[];
  try {
    settings = resolveSettings({
      url: f.url, token: f.token, mode: f.mode, aesKey: f["aes-key"], appId: f["app-id"], account: f.account,
      ghId: f["gh-id"], openid: f.openid, wechatApi: f["wechat-api"],
    });
    actions = actionsFromFlags({ event: f.event, key: f.key, image: f.image, voice: f.voice, location: f.location, link: f.link }, positionals);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if (actions.length === 0 && f.interactive !== true && f.verify !== true) return fail(`nothing to send\n\n${USAGE}`);
  const maxChars = f["max-chars"] === undefined ? undefined : Number(f["max-chars"]);
  if (maxChars !== undefined && !(Number.isInteger(maxChars) && maxChars > 0)) return fail("--max-chars must be a positive whole number");
  const watching = settings.wechatApi !== undefined && (f["wechat-api"] !== undefined || settings.demoPushes === true);
  const waitSeconds = f.wait === undefined ? DEFAULT_WAIT_S : Number(f.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) return fail("--wait must be a number of seconds");

  const account = settings.accountName === "default" ? "" : `, account ${settings.accountName}`;
  say(`WeChat simulator → ${settings.target} (${settings.mode} mode${account}, follower ${settings.openid})`);
  if (settings.origins.length > 0) say(`  settings: ${settings.origins.join(", ")}`);

  let ok = true;
  if (f.verify === true) ok = (await verify(settings)) && ok;
  if (actions.length === 0 && f.interactive !== true) return ok ? 0 : 1;

  const transcript = new Transcript(maxChars === undefined ? {} : { maxChars });
  const follower = new SimulatedFollower(settings, transcript);
  let watcher: CsWatcher | undefined;
  if (watching && settings.wechatApi !== undefined) {
    try {
      watcher = await CsWatcher.start(
        settings.wechatApi,
        settings.openid,
        (message, at) => transcript.customerService(describeCsMessage(message), at),
        (error) => transcript.note(`cannot read customer-service messages: ${error}`),
      );
      say(`  watching customer-service pushes at ${settings.wechatApi}/__sent`);
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error), 1);
    }
  }

  try {
    let lastRequest: number | undefined;
    for (const action of actions) {
      const result = await follower.send(action);
      ok = deliveredFine(result) && ok;
      lastRequest = result.request;
    }
    if (f.interactive === true) ok = (await repl(follower, transcript)) && ok;
    if (watcher !== undefined && (f.interactive !== true || f.wait !== undefined)) await watchAfterLastReply(watcher, transcript, f.wait === undefined ? undefined : waitSeconds, lastRequest);
  } finally {
    await watcher?.stop();
  }
  return ok ? 0 : 1;
}

/** How long to watch for pushes by default when the last answer may still be on its way. */
const DEFAULT_WAIT_S = 30;
/** Pushes of a long answer's later parts follow the passive reply within about a second. */
const SHORT_WAIT_S = 3;
/** After pushes have come, this much quiet ends a default watch. */
const QUIET_S = 5;

/**
 * Keeps printing CS pushes after the last reply. An explicit --wait is honoured in full. By default: up to 30 s when
 * the last message used WeChat's last request (its reply was likely the holding text) or got none, else 3 s (the
 * rest of a long answer); either way a default watch ends once pushes came and then stopped for 5 s.
 */
async function watchAfterLastReply(watcher: CsWatcher, transcript: Transcript, explicitSeconds: number | undefined, lastRequest: number | undefined): Promise<void> {
  const seconds = explicitSeconds ?? (lastRequest === undefined || lastRequest >= 3 ? DEFAULT_WAIT_S : SHORT_WAIT_S);
  if (seconds <= 0) return;
  if (seconds > SHORT_WAIT_S) transcript.note(`watching for customer-service pushes for up to ${seconds} s (Ctrl-C to stop; --wait 0 skips this)`);
  let count = watcher.received.length;
  let quietSince = Date.now();
  await watcher.waitFor((got) => {
    if (got.length !== count) {
      count = got.length;
      quietSince = Date.now();
    }
    return explicitSeconds === undefined && count > 0 && Date.now() - quietSince > QUIET_S * 1000;
  }, Date.now() + seconds * 1000);
}

/** The GET WeChat's console sends when you save the server URL: the worker must echo echostr. */
async function verify(settings: SimulatorSettings): Promise<boolean> {
  const echostr = String(randomInt(1_000_000_000, 2_000_000_000));
  try {
    const response = await fetch(verificationUrl(settings.target, settings.token, echostr), { signal: AbortSignal.timeout(5000) });
    const body = await response.text();
    if (response.status === 200 && body === echostr) {
      say("✓ server check (GET with echostr): the worker echoed it; WeChat's console would accept this URL and token");
      return true;
    }
    say(`✗ server check (GET with echostr): HTTP ${response.status} ${JSON.stringify(body.slice(0, 80))}; WeChat's console would say the token check failed`);
  } catch (error) {
    say(`✗ server check (GET with echostr): ${describeFetchError(error)}`);
  }
  return false;
}

/** Each line typed is one message; resolves when the user quits, with whether every message went fine. */
async function repl(follower: SimulatedFollower, transcript: Transcript): Promise<boolean> {
  say("Interactive: type a message and press Enter (:help for more, :quit or Ctrl-D to leave).");
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "> " });
  let ok = true;
  rl.prompt();
  for await (const line of rl) {
    let action;
    try {
      action = actionFromLine(line);
    } catch (error) {
      say(error instanceof Error ? error.message : String(error));
      rl.prompt();
      continue;
    }
    if (action === "quit") break;
    if (action === "help") say(REPL_HELP);
    else if (action !== undefined) {
      transcript.restart(); // times count from each message, not from when the prompt opened
      ok = deliveredFine(await follower.send(action)) && ok;
    }
    rl.prompt();
  }
  rl.close();
  return ok;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`simulate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

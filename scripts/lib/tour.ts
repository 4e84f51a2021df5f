/**
 * The demo's scripted tour: four questions whose answers take different times, showing how each reaches the
 * follower within WeChat's 5-second, 3-request window, and one to the deployment's second account, answered by that
 * account's own Dify app. The Dify stand-in reads directives in the question
 * (`[delay=7000]`, `[answer=...]`) to decide how long to think and what to say; without any it answers `echo: ...`.
 */
import { answeringApp } from "./answering-app";
import { CsWatcher, describeCsMessage } from "./cs-watch";
import { SimulatedFollower, deliveredFine, shownText } from "./follower";
import type { DeliveryResult } from "./deliver";
import type { SimulatorSettings } from "./settings";
import { Transcript } from "./transcript";

/** Options of {@link runTour}. */
export interface TourOptions {
  /** The default account (`/wechat`) and its follower. */
  settings: SimulatorSettings & { wechatApi: string };
  /** The second account (`/wechat/shop`) and its own follower. */
  shop: SimulatorSettings;
  /** The Dify stand-in (ending in /v1), asked which app answered each account. */
  difyUrl: string;
  /** Whether the worker pushes late answers (ENABLE_CUSTOM_MESSAGE=true) or waits for "1". */
  cs: boolean;
  say: (line: string) => void;
}

/** What went against expectations; empty when the tour went as it should. */
export type TourProblems = string[];

/** The long answer's Markdown: headings, bold, lists and code, about 4 KB, so it needs several 2 KB parts. */
export function longMarkdownAnswer(): string {
  const sentence = "每一段回答都要在五秒之内交给微信，否则微信会重发同一条消息。";
  const sections = Array.from({ length: 6 }, (_, i) => [
    `## 第${i + 1}部分`,
    "",
    `**要点${i + 1}**：${sentence.repeat(4)}`,
    "",
    `- 列表项甲：${sentence}`,
    `- 列表项乙：${sentence}`,
    "",
    `行内代码 \`part_${i + 1}()\` 会变成普通文字。`,
  ].join("\n"));
  return ["# 长回答示例", "", ...sections.flatMap((s) => [s, ""]), "（完）"].join("\n");
}

/** Runs the tour against a running worker and returns what did not go as expected. */
export async function runTour(options: TourOptions): Promise<TourProblems> {
  const { settings, shop, difyUrl, cs, say } = options;
  const problems: TourProblems = [];
  const transcript = new Transcript({ maxChars: 140 });
  const follower = new SimulatedFollower(settings, transcript);
  const shopFollower = new SimulatedFollower(shop, transcript);
  const watcher = await CsWatcher.start(
    settings.wechatApi,
    settings.openid,
    (message, at) => transcript.customerService(describeCsMessage(message), at),
    (error) => transcript.note(`cannot read the WeChat API stand-in: ${error}`),
  );
  const expect = (ok: boolean, problem: string) => {
    if (!ok) {
      problems.push(problem);
      say(`  ✗ unexpected: ${problem}`);
    }
  };
  const expectDelivered = (result: DeliveryResult, what: string) =>
    expect(deliveredFine(result), `${what}: no acceptable reply (${result.reply?.kind === "invalid" ? result.reply.problem : "no 200"})`);

  try {
    say("");
    say(`Tour: a follower (${settings.openid}) talks to the worker's default account, ${settings.target}, and one step`);
    say(`goes to its second account, "${shop.accountName}", through a simulated WeChat (safe mode, real timing: each request is cut`);
    say("after 5 s and sent again, 3 requests in all). Every Dify stand-in app answers `echo: <question>`;");
    say("directives in the question shape its answer: [delay=MS] thinks MS before answering, [answer=TEXT] answers TEXT.");
    say(`Delivery mode: ${cs ? "customer service (ENABLE_CUSTOM_MESSAGE=true): late answers are pushed" : "pull (the default): late answers wait for the follower's \"1\""}.`);
    say("Legend: → follower sends, ← passive reply (which request got it), ⇠ customer-service push, · what WeChat does.");

    step(say, transcript, 1, "A fast answer: request 1 gets it at once.");
    const fast = await follower.send({ kind: "text", content: "你好" });
    expectDelivered(fast, "fast answer");
    expect(fast.request === 1 && shownText(fast) === "echo: 你好", `fast answer: expected "echo: 你好" on request 1, got ${describe(fast)}`);
    const defaultApp = await answeringApp(difyUrl, settings.openid);
    transcript.note(`Dify stand-in: answered by ${describeApp(defaultApp)}`);

    step(say, transcript, 2, `The same question to the second account, ${new URL(shop.target).pathname}: its own token, ` +
      "EncodingAESKey and AppID seal message and reply, its own Dify app answers.");
    const other = await shopFollower.send({ kind: "text", content: "你好" });
    expectDelivered(other, "second account");
    expect(other.request === 1 && shownText(other) === "echo: 你好", `second account: expected "echo: 你好" on request 1, got ${describe(other)}`);
    const shopApp = await answeringApp(difyUrl, shop.openid);
    transcript.note(`Dify stand-in: answered by ${describeApp(shopApp)}`);
    expect(shopApp !== undefined && defaultApp !== undefined && shopApp.key !== defaultApp.key,
      `second account: expected another Dify app than the default account's, got ${describeApp(shopApp)}`);

    step(say, transcript, 3, "A 7 s answer: request 1 is held until WeChat gives up at 5 s; its retry (request 2) gets the answer.");
    const slow = await follower.send({ kind: "text", content: "[delay=7000] 讲个笑话" });
    expectDelivered(slow, "7 s answer");
    expect(slow.request === 2 && shownText(slow) === "echo: 讲个笑话", `7 s answer: expected it on request 2, got ${describe(slow)}`);

    step(say, transcript, 4, cs
      ? "A 20 s answer: request 3 must answer in time, with a holding text; the answer follows as a customer-service push."
      : "A 20 s answer: request 3 must answer in time, with the continue prompt; the follower replies \"1\" to collect it.");
    const late = await follower.send({ kind: "text", content: "[delay=20000] 写一首长诗" });
    expectDelivered(late, "20 s answer");
    expect(late.request === 3 && shownText(late) !== "" && !shownText(late).startsWith("echo:"),
      `20 s answer: expected a ${cs ? "holding text" : "continue prompt"} on request 3, got ${describe(late)}`);
    if (cs) {
      const pushed = await watcher.waitFor((got) => got.some((m) => describeCsMessage(m).includes("echo: 写一首长诗")), Date.now() + 45_000);
      expect(pushed, "20 s answer: no customer-service push with the answer within 45 s");
    } else {
      const collected = await follower.send({ kind: "text", content: "1" });
      expectDelivered(collected, "collecting with 1");
      expect(shownText(collected) === "echo: 写一首长诗", `collecting with 1: expected the answer, got ${describe(collected)}`);
    }

    step(say, transcript, 5, cs
      ? "A long Markdown answer (~4 KB): turned into plain text and split into ≤2048-byte parts; part 1 is the passive reply, the rest are pushed."
      : "A long Markdown answer (~4 KB): turned into plain text and split into ≤2048-byte parts; \"1\" fetches each next part.");
    const markdown = longMarkdownAnswer();
    const question = `[answer=${markdown.replaceAll("\n", "\\n")}] 给我一份详细说明`;
    const first = await follower.send({ kind: "text", content: question }, `[answer=…${Buffer.byteLength(markdown)} bytes of Markdown…] 给我一份详细说明`);
    expectDelivered(first, "long answer");
    expect(shownText(first).includes("长回答示例") && !shownText(first).includes("## "),
      `long answer: expected plain text starting with the title, got ${describe(first)}`);
    const seen = [shownText(first)];
    if (cs) {
      const pushedAll = await watcher.waitFor((got) => got.some((m) => describeCsMessage(m).includes("（完）")), Date.now() + 30_000);
      expect(pushedAll, "long answer: the last part was not pushed within 30 s");
    } else {
      // Each part that says "reply 1 for more" (the n/m note, or the one sent while Dify is still writing) is followed.
      for (let i = 0; i < 8 && /回复1查看后续/.test(seen.at(-1) ?? ""); i++) {
        const next = await follower.send({ kind: "text", content: "1" });
        expectDelivered(next, "next part");
        seen.push(shownText(next));
      }
      expect(seen.length >= 2 && (seen.at(-1) ?? "").includes("（完）"), `long answer: expected several parts ending with （完）, got ${seen.length}`);
    }
  } finally {
    await watcher.stop();
  }
  say("");
  say(problems.length === 0 ? "Tour finished: every step went as expected." : `Tour finished with ${problems.length} problem(s).`);
  return problems;
}

function step(say: (line: string) => void, transcript: Transcript, n: number, title: string): void {
  say("");
  say(`${n}. ${title}`);
  transcript.restart();
}

function describeApp(app: Awaited<ReturnType<typeof answeringApp>>): string {
  return app === undefined ? "no app (no chat call recorded)" : `"${app.name}" (key ${app.key}, ${app.mode} app)`;
}

function describe(result: DeliveryResult): string {
  if (result.request === undefined) return "no 200 at all";
  const reply = result.reply;
  const what = reply === undefined ? "nothing" : reply.kind === "text" ? JSON.stringify(reply.text.slice(0, 80)) : reply.kind;
  return `${what} on request ${result.request}`;
}

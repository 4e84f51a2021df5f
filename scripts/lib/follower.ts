/**
 * A simulated follower: sends actions to the worker the way WeChat carries them and writes what the follower would
 * see into a transcript.
 */
import { signCallback } from "./callback";
import { deliverLikeWechat, type DeliveryResult } from "./deliver";
import { actionXml, describeAction, freshMsgId, type FollowerAction } from "./messages";
import type { SimulatorSettings } from "./settings";
import type { Transcript } from "./transcript";

/** Sends one follower's messages to one worker. */
export class SimulatedFollower {
  constructor(
    readonly settings: SimulatorSettings,
    private readonly transcript: Transcript,
    /** Per-request cut-off; WeChat's 5 s unless testing the simulator itself. */
    private readonly timeoutMs?: number,
  ) {}

  /** Sends `action` (with retries as WeChat does them) and resolves with the outcome once it is decided. */
  async send(action: FollowerAction, shownAs = describeAction(action)): Promise<DeliveryResult> {
    const now = Date.now();
    const xml = actionXml(action, {
      openid: this.settings.openid,
      account: this.settings.ghId,
      createTime: Math.floor(now / 1000),
      msgId: freshMsgId(now),
    });
    // Signed once: WeChat's retries repeat the same URL and body byte for byte.
    const signed = signCallback(this.settings.target, xml, this.settings.openid, this.settings);
    this.transcript.follower(shownAs, now);
    const result = await deliverLikeWechat(signed, this.settings.openid, this.settings, {
      onEvent: this.transcript.onDeliveryEvent,
      ...(this.timeoutMs === undefined ? {} : { timeoutMs: this.timeoutMs }),
    });
    if (result.request === undefined) this.transcript.nothingGot200();
    return result;
  }
}

/** The text the follower saw for a delivery ("" when there was none). */
export function shownText(result: DeliveryResult): string {
  return result.reply?.kind === "text" ? asDisplayed(result.reply.text) : "";
}

/**
 * A text as WeChat's chat shows it: a link `<a href="…">1</a>` reads as its text (the worker makes the "1" of
 * "reply 1" tappable with a weixin://bizmsgmenu link).
 */
export function asDisplayed(text: string): string {
  return text.replace(/<a\s[^>]*>([^<]*)<\/a>/g, "$1");
}

/** Whether WeChat would have accepted the outcome (a 200 with nothing or a well-formed reply). */
export function deliveredFine(result: DeliveryResult): boolean {
  return result.reply !== undefined && result.reply.kind !== "invalid";
}

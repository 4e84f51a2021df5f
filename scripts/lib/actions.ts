/**
 * Turns what the user typed (command-line flags, or a REPL line) into follower actions.
 */
import type { FollowerAction } from "./messages";

/** The message-kind flags of `npm run simulate`. */
export interface ActionFlags {
  event?: string;
  key?: string;
  image?: string;
  voice?: boolean;
  location?: string;
  link?: string;
}

/** Reads "lat,lng[,label]". Throws a readable Error otherwise. */
export function parseLocation(spec: string): Extract<FollowerAction, { kind: "location" }> {
  const [lat, lng, ...label] = spec.split(",");
  const latitude = Number(lat);
  const longitude = Number(lng);
  if (lat === undefined || lng === undefined || !Number.isFinite(latitude) || !Number.isFinite(longitude)) {
    throw new Error(`--location wants "latitude,longitude[,label]", e.g. "39.9087,116.3975,天安门" (got ${JSON.stringify(spec)})`);
  }
  return { kind: "location", latitude, longitude, label: label.join(",").trim() };
}

/**
 * The actions of one command line: one kind flag applies to the whole message text (the text is the voice's
 * recognition, the link's title); plain text gives one text message per positional argument.
 */
export function actionsFromFlags(flags: ActionFlags, texts: readonly string[]): FollowerAction[] {
  const text = texts.join(" ");
  const kinds = [flags.event, flags.image, flags.voice === true ? "voice" : undefined, flags.location, flags.link]
    .filter((v) => v !== undefined);
  if (kinds.length > 1) throw new Error("give at most one of --event, --image, --voice, --location, --link");
  if (flags.event !== undefined) return [{ kind: "event", event: flags.event, ...(flags.key === undefined ? {} : { key: flags.key }) }];
  if (flags.key !== undefined) throw new Error("--key goes with --event (e.g. --event CLICK --key MENU_KEY)");
  if (flags.image !== undefined) return [{ kind: "image", picUrl: flags.image }];
  if (flags.voice === true) return [text === "" ? { kind: "voice" } : { kind: "voice", recognition: text }];
  if (flags.location !== undefined) return [parseLocation(flags.location)];
  if (flags.link !== undefined) return [{ kind: "link", title: text === "" ? flags.link : text, description: "", url: flags.link }];
  return texts.map((content) => ({ kind: "text", content }));
}

/** REPL help, one line per command. */
export const REPL_HELP = [
  "type a message and press Enter; commands:",
  "  :subscribe              follow the account (subscribe event)",
  "  :click KEY              press a menu button (CLICK event)",
  "  :event NAME [KEY]       any event",
  "  :image URL              send an image",
  "  :voice [TEXT]           send a voice message (TEXT = WeChat's recognition)",
  "  :location LAT,LNG[,LABEL]",
  "  :link URL [TITLE]",
  "  :quit                   leave (Ctrl-D works too)",
].join("\n");

/** One REPL line -> an action, "quit", "help", or undefined for a blank line. Throws on a bad command. */
export function actionFromLine(line: string): FollowerAction | "quit" | "help" | undefined {
  const trimmed = line.trim();
  if (trimmed === "") return undefined;
  if (!trimmed.startsWith(":")) return { kind: "text", content: line.replace(/\r?\n$/, "") };
  const [command = "", ...rest] = trimmed.slice(1).split(/\s+/);
  const arg = rest.join(" ");
  switch (command.toLowerCase()) {
    case "quit": case "q": case "exit": return "quit";
    case "help": case "h": case "?": return "help";
    case "subscribe": return { kind: "event", event: "subscribe" };
    case "unsubscribe": return { kind: "event", event: "unsubscribe" };
    case "click":
      if (arg === "") throw new Error(":click needs a menu key");
      return { kind: "event", event: "CLICK", key: arg };
    case "event":
      if (rest[0] === undefined) throw new Error(":event needs a name");
      return { kind: "event", event: rest[0], ...(rest[1] === undefined ? {} : { key: rest.slice(1).join(" ") }) };
    case "image":
      if (arg === "") throw new Error(":image needs a URL");
      return { kind: "image", picUrl: arg };
    case "voice": return arg === "" ? { kind: "voice" } : { kind: "voice", recognition: arg };
    case "location": return parseLocation(arg);
    case "link": {
      const [url, ...title] = rest;
      if (url === undefined) throw new Error(":link needs a URL");
      return { kind: "link", url, title: title.length > 0 ? title.join(" ") : url, description: "" };
    }
    default: throw new Error(`unknown command :${command} (:help lists them)`);
  }
}

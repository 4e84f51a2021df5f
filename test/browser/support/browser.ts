/**
 * Debian's headless Chromium driven by playwright-core (never `playwright install`: the browser is the system's, at
 * /usr/bin/chromium; .ci/run installs it), with a fresh profile per launch and no network of its own (no updates,
 * sync or QUIC). Each page records every dialog it opened and every request it made to another origin than the
 * worker's, which is what an answer must never cause.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** A phone-sized browser (390×844, an iPhone 12-14's viewport). */
export interface PhoneBrowser {
  /** A new page that records dialogs and requests elsewhere; `javaScriptEnabled: false` in a context of its own. */
  open(options?: { scripts?: boolean }): Promise<WatchedPage>;
  close(): Promise<void>;
}

/** A page and what it did that it should not have. */
export interface WatchedPage {
  page: Page;
  /** Messages of alert/confirm/prompt dialogs the page opened (each dismissed at once). */
  dialogs: string[];
  /** URLs the page requested from another origin than `origin`. */
  foreignRequests: string[];
}

/** Launches Chromium; `origin` is the worker's (requests to it are the page's own). */
export async function launchPhone(origin: string): Promise<PhoneBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium (.ci/run does)`);
  }
  const profiles: string[] = [];
  const contexts: BrowserContext[] = [];
  const context = async (scripts: boolean): Promise<BrowserContext> => {
    const profile = mkdtempSync(join(tmpdir(), "answer-page-chromium-"));
    profiles.push(profile);
    const made = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      javaScriptEnabled: scripts,
      // WeChat's in-app browser on Android announces itself like this.
      userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36 MicroMessenger/8.0.49",
    });
    contexts.push(made);
    return made;
  };
  return {
    async open(options = {}) {
      const made = await context(options.scripts ?? true);
      const page = made.pages()[0] ?? (await made.newPage());
      const watched: WatchedPage = { page, dialogs: [], foreignRequests: [] };
      page.on("dialog", (dialog) => {
        watched.dialogs.push(dialog.message());
        void dialog.dismiss().catch(() => undefined);
      });
      page.on("request", (request) => {
        const url = request.url();
        if (!url.startsWith(`${origin}/`) && url !== origin) watched.foreignRequests.push(url);
      });
      return watched;
    },
    async close() {
      await Promise.all(contexts.map((made) => made.close().catch(() => undefined)));
      for (const profile of profiles) rmSync(profile, { recursive: true, force: true });
    },
  };
}

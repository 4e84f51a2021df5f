/**
 * The headers every response under /a carries. The page shows untrusted text, so its Content-Security-Policy starts
 * from `default-src 'none'` and allows only what the page itself uses: its script and feed (same origin), its inline
 * stylesheet (by hash) and images (its own and https). Nothing is kept by shared caches, nothing leaks a referrer,
 * nothing is indexed.
 */

/** The policy of every response that is not the page itself (feed, script, images, 404s). */
export const STRICT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The page's policy, given the hash source of its inline stylesheet. */
export function pageCsp(styleHash: string): string {
  return [
    "default-src 'none'",
    "img-src 'self' https:",
    `style-src ${styleHash}`,
    "script-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Headers for any /a response; the page passes its own policy, the feed its own Cache-Control. */
export function securityHeaders(options: { csp?: string; cacheControl?: string } = {}): Record<string, string> {
  return {
    "Content-Security-Policy": options.csp ?? STRICT_CSP,
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Cache-Control": options.cacheControl ?? "private, no-store",
    "X-Content-Type-Options": "nosniff",
  };
}

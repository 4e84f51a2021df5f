/**
 * Which Dify app answered a follower, read from the Dify stand-in (test/support/mock-dify.ts): its `GET /__calls`
 * record of the last chat call for that user gives the API key, and Dify's own `GET /info` with that key gives the
 * app's name and mode. The demo's tour uses it to show that each account reached its own app.
 */

/** An app as the stand-in describes it. */
export interface AnsweringApp {
  /** The API key the worker sent (`app-…`: a stand-in key, not a secret). */
  key: string;
  name: string;
  mode: string;
}

/** The app of the last `/chat-messages` call the stand-in at `difyUrl` (ending in /v1) received for `user`. */
export async function answeringApp(difyUrl: string, user: string): Promise<AnsweringApp | undefined> {
  const base = difyUrl.replace(/\/v1\/?$/, "");
  const calls = (await (await fetch(`${base}/__calls?user=${encodeURIComponent(user)}`, { signal: AbortSignal.timeout(5000) })).json()) as
    Array<{ path: string; auth?: string }>;
  const auth = calls.filter((c) => c.path.endsWith("/chat-messages")).at(-1)?.auth;
  if (auth === undefined) return undefined;
  const info = (await (await fetch(`${difyUrl}/info`, { headers: { authorization: auth }, signal: AbortSignal.timeout(5000) })).json()) as
    { name?: string; mode?: string };
  return { key: auth.replace(/^Bearer\s+/i, ""), name: info.name ?? "?", mode: info.mode ?? "?" };
}

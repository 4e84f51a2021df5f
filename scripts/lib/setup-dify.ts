/**
 * Setup's look at the Dify app before anything is written: GET /info with the key (Dify's Service API,
 * controllers/service_api/app/app.py), so a wrong key or base URL stops setup at once, and the app's mode gives
 * DIFY_APP_TYPE.
 */
import { appKindFromMode } from "../../src/dify/client";

/** What Dify said about the app. */
export interface DifyAppFacts {
  name?: string;
  mode?: string;
  appType: "chat" | "completion" | "workflow";
}

/** Asks GET /info; throws an Error saying what is wrong (refused key, unreachable base, not Dify). */
export async function difyAppFacts(base: string, key: string, fetcher: typeof fetch = fetch): Promise<DifyAppFacts> {
  const url = `${base.replace(/\/+$/, "")}/info`;
  let res: Response;
  try {
    res = await fetcher(url, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const why = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new Error(`cannot reach Dify at ${base} (${why})`);
  }
  const text = await res.text();
  if (res.status === 401) throw new Error("Dify refused the API key (401): copy it again from the app → API Access → API Key");
  if (res.status === 404) throw new Error(`${url} is not found (404): Dify's Service API base ends in /v1`);
  let info: { name?: unknown; mode?: unknown };
  try {
    info = JSON.parse(text) as typeof info;
  } catch {
    throw new Error(`${url} answered HTTP ${res.status} without JSON: is ${base} Dify's Service API?`);
  }
  if (!res.ok) throw new Error(`Dify answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  const mode = typeof info.mode === "string" ? info.mode : undefined;
  return { name: typeof info.name === "string" ? info.name : undefined, mode, appType: appKindFromMode(mode) ?? "chat" };
}

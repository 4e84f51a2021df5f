/**
 * The "dify" and "dify-app" checks: Dify's GET /info with the account's key (reachable, key accepted, how long it
 * took), then the app itself: its mode against DIFY_APP_TYPE, and from GET /parameters whether it takes images and
 * has speech to text (what image and voice messages need).
 */
import type { Config } from "../config";
import { DifyClient, DifyError, appKindFromMode, type DifyAppInfo } from "../dify";
import type { HealthCheck } from "./health-types";

/** How long each of the two Dify calls may take: the doctor waits for the whole report. */
export const DIFY_CHECK_TIMEOUT_MS = 5000;

/** Why a Dify call failed, in the owner's terms (no key: DifyError messages never hold it). */
function whyFailed(error: unknown): string {
  if (!(error instanceof DifyError)) return error instanceof Error ? error.message : String(error);
  if (error.status === 401) return `Dify refused DIFY_API_KEY (401 ${error.code ?? "unauthorized"}): the key is wrong or was deleted`;
  if (error.kind === "network") return `cannot reach DIFY_API_BASE (${error.message})`;
  if (error.kind === "timeout") return `DIFY_API_BASE did not answer within ${DIFY_CHECK_TIMEOUT_MS} ms`;
  if (error.status === 404) return `DIFY_API_BASE answered 404: it should end in /v1 (${error.message})`;
  return error.message;
}

/** The mode line: what Dify says the app is, against what DIFY_APP_TYPE asks for. */
function modeLine(config: Config, info: DifyAppInfo): { ok: boolean; text: string } {
  const actual = appKindFromMode(info.mode);
  const configured = config.dify.appKind;
  const mode = info.mode === undefined ? "no mode (a Dify older than mid-2025)" : `mode ${info.mode}`;
  if (configured === undefined) {
    return { ok: true, text: `${mode}; DIFY_APP_TYPE empty: the worker asks it as ${actual ?? "chat"}` };
  }
  if (actual === undefined || actual === configured) return { ok: true, text: `${mode}, DIFY_APP_TYPE ${configured}: matches` };
  return { ok: false, text: `${mode} is a ${actual} app but DIFY_APP_TYPE is ${configured}: every question fails` };
}

/** Runs both checks; `fetcher` defaults to the global fetch. */
export async function checkDify(config: Config, fetcher?: typeof fetch): Promise<[HealthCheck, HealthCheck]> {
  if (config.dify.apiKey === "") {
    const detail = "DIFY_API_KEY is not set";
    return [{ name: "dify", ok: false, detail }, { name: "dify-app", ok: false, detail: `not checked: ${detail}` }];
  }
  const dify = new DifyClient(
    { apiBase: config.dify.apiBase, apiKey: config.dify.apiKey, requestTimeoutMs: DIFY_CHECK_TIMEOUT_MS },
    fetcher,
  );
  const started = Date.now();
  let info: DifyAppInfo;
  try {
    info = await dify.info();
  } catch (error) {
    const detail = whyFailed(error);
    return [{ name: "dify", ok: false, detail }, { name: "dify-app", ok: false, detail: "not checked: GET /info failed (see the dify check)" }];
  }
  const latencyMs = Date.now() - started;
  const name = info.name === undefined ? "" : ` (app ${JSON.stringify(info.name)})`;
  const reach: HealthCheck = { name: "dify", ok: true, detail: `GET /info answered in ${latencyMs} ms${name}` };
  const mode = modeLine(config, info);
  let features: string;
  try {
    const parameters = await dify.parameters();
    const image = parameters.imageUploadEnabled ? "image input on" : "image input off (images are answered without the picture)";
    const voice = parameters.speechToTextEnabled ? "speech to text on" : "speech to text off (voice without WeChat's recognition gets a 'please type' text)";
    features = `${image}; ${voice}`;
  } catch (error) {
    features = `GET /parameters failed: ${whyFailed(error)}`;
  }
  return [reach, { name: "dify-app", ok: mode.ok, detail: `${mode.text}; ${features}` }];
}

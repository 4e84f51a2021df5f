/**
 * The worker as deployed with other settings than the test project's, for tests inside workerd. Requests go straight
 * to the worker's default export with the chosen environment, so one test file can compare two deployments; the
 * Durable Objects and stand-ins are the project's own.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import type { AppEnv } from "../../src/config";
import worker from "../../src/index";

/** The test deployment itself (every vitest project configures an AES key: WeChat's console in safe mode). */
export const safeDeployment: AppEnv = env as AppEnv;

/** The same deployment without an AES key: an account whose console is in plaintext mode (明文模式). */
export const plaintextDeployment: AppEnv = { ...safeDeployment, WECHAT_ENCODING_AES_KEY: "" };

/** The same deployment while its owner switches modes: AES key set and WECHAT_ACCEPT_PLAINTEXT=true. */
export const switchingDeployment: AppEnv = { ...safeDeployment, WECHAT_ACCEPT_PLAINTEXT: "true" };

/** One request through the worker's fetch handler with `deployment` as its environment, waiting for its waitUntil work. */
export async function callWorker(request: Request, deployment: AppEnv = safeDeployment): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, deployment, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

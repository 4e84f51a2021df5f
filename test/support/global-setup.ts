import type { TestProject } from "vitest/node";
import { startMockDify } from "./mock-dify.js";
import { startMockWechatApi } from "./mock-wechat-api.js";

declare module "vitest" {
  export interface ProvidedContext {
    difyUrl: string;
    wechatApiUrl: string;
  }
}

/** Starts the local stand-ins for Dify and WeChat's API once for the whole run and hands their URLs to the tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dify = await startMockDify();
  const wechatApi = await startMockWechatApi();
  project.provide("difyUrl", dify.url);
  project.provide("wechatApiUrl", wechatApi.url);
  return async () => {
    await Promise.all([dify.close(), wechatApi.close()]);
  };
}

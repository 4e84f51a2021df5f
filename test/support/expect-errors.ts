/**
 * Assertion helpers for the protocol errors: run the code, insist it fails with the right class, hand back the error.
 */
import { expect } from "vitest";
import { DifyError } from "../../src/dify/errors.js";
import { WechatProtocolError } from "../../src/wechat/errors.js";

/** The `reason` of the WechatProtocolError that `fn` throws (fails the test if it throws anything else, or nothing). */
export function protocolReason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WechatProtocolError);
    return (error as WechatProtocolError).reason;
  }
  throw new Error("expected a WechatProtocolError");
}

/** The DifyError that `promise` rejects with (fails the test if it rejects with anything else, or resolves). */
export async function difyFailure(promise: Promise<unknown>): Promise<DifyError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(DifyError);
    return err as DifyError;
  }
  throw new Error("expected the call to fail");
}

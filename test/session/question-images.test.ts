import { describe, expect, it } from "vitest";
import { DifyError } from "../../src/dify";
import { isRemoteImageFailure } from "../../src/session/question-images";

const byUrl = [{ type: "image" as const, transfer_method: "remote_url" as const, url: "https://mmbiz.example/p.jpg" }];
const uploaded = [{ type: "image" as const, transfer_method: "local_file" as const, upload_file_id: "f1" }];

describe("which failures mean Dify could not fetch the follower's picture (so uploading it may help)", () => {
  it("a 500 or a 'Reached maximum retries' 400 in the stream, a failed chatflow run that names the URL, a connect timeout", () => {
    expect(isRemoteImageFailure(new DifyError("stream", "x", { status: 500, code: "internal_server_error" }), byUrl)).toBe(true);
    const retries = { status: 400, code: "invalid_param", difyMessage: "Reached maximum retries (3) for URL https://mmbiz.example/p.jpg" };
    expect(isRemoteImageFailure(new DifyError("stream", "x", retries), byUrl)).toBe(true);
    const run = { code: "workflow_failed", difyMessage: "Reached maximum retries (3) for URL https://mmbiz.example/p.jpg" };
    expect(isRemoteImageFailure(new DifyError("stream", "x", run), byUrl)).toBe(true);
    expect(isRemoteImageFailure(new DifyError("timeout", "x", { deadline: "connect" }), byUrl)).toBe(true);
  });

  it("not a busy Dify, an idle stream, a 400 about something else, nor anything once the picture was uploaded", () => {
    const busy = { status: 400, code: "invalid_param", difyMessage: "Too many requests. Please try again later." };
    expect(isRemoteImageFailure(new DifyError("http", "x", busy), byUrl)).toBe(false);
    expect(isRemoteImageFailure(new DifyError("timeout", "x", { deadline: "idle" }), byUrl)).toBe(false);
    expect(isRemoteImageFailure(new DifyError("http", "x", { status: 400, code: "app_unavailable", difyMessage: "App unavailable" }), byUrl)).toBe(false);
    expect(isRemoteImageFailure(new DifyError("stream", "x", { status: 500, code: "internal_server_error" }), uploaded)).toBe(false);
  });
});

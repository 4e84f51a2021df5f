import { describe, expect, it } from "vitest";
import { imageInputFrom } from "../../src/dify/file-upload.js";

/** What the current console stores for "image upload on" (see the README of test/fixtures/dify-streams). */
const CONSOLE = {
  image: { detail: "high", enabled: true, number_limits: 3, transfer_methods: ["remote_url", "local_file"] },
  enabled: true,
  allowed_file_types: ["image"],
  allowed_file_extensions: [".JPG", ".JPEG", ".PNG", ".GIF", ".WEBP", ".SVG"],
  allowed_file_upload_methods: ["local_file", "remote_url"],
  number_limits: 3,
};

describe("whether a Dify app takes the follower's image (Dify's file_upload rules)", () => {
  it("takes it by URL when the upload feature is on and allows images", () => {
    expect(imageInputFrom(CONSOLE)).toEqual({ type: "image", remoteUrl: true });
  });

  it("takes nothing when only the legacy image.enabled is on, or the feature is off", () => {
    expect(imageInputFrom({ image: { enabled: true, number_limits: 3, transfer_methods: ["remote_url"] } })).toBeUndefined();
    expect(imageInputFrom({ ...CONSOLE, enabled: false })).toBeUndefined();
    expect(imageInputFrom(undefined)).toBeUndefined();
  });

  it("takes nothing from an app that allows documents only (Dify would answer 400 File validation failed)", () => {
    expect(imageInputFrom({ ...CONSOLE, allowed_file_types: ["document"] })).toBeUndefined();
  });

  it("uploads first when the app allows local files only", () => {
    expect(imageInputFrom({ ...CONSOLE, allowed_file_upload_methods: ["local_file"] })).toEqual({ type: "image", remoteUrl: false });
  });

  it("sends a custom file with an allowed image extension, as written, uploaded", () => {
    expect(imageInputFrom({ ...CONSOLE, allowed_file_types: ["custom"], allowed_file_extensions: [".pdf", ".png"] }))
      .toEqual({ type: "custom", remoteUrl: false, extension: ".png" });
    // An upload's extension is stored lower-case, so ".PNG" never matches in Dify.
    expect(imageInputFrom({ ...CONSOLE, allowed_file_types: ["custom"], allowed_file_extensions: [".PNG"] })).toBeUndefined();
  });

  it("treats an empty allowed_file_types as no restriction, as Dify does", () => {
    expect(imageInputFrom({ enabled: true, allowed_file_types: [] })).toEqual({ type: "image", remoteUrl: true });
  });
});

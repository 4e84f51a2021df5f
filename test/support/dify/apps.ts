/**
 * The Dify apps the stand-in serves, one per API key (see vitest.config.ts), and what GET /info and GET /parameters
 * say about each.
 *
 * - /info: `controllers/service_api/app/app.py`: `{name, description, tags, mode, author_name}`; `mode` exists
 *   since 2025-05-06 (0b44791e), so an older server sends none (app-old-server-key).
 * - /parameters: `core/app/app_config/common/parameters_mapping/__init__.py`. `file_upload` is the feature dict as
 *   the console stored it; the current console writes top-level `enabled` and `allowed_file_types` next to the legacy
 *   `image` block, and an app that never touched the feature gets the legacy default with `image.enabled: false`.
 * - Files in a question are taken only when top-level `file_upload.enabled` is true
 *   (`core/app/app_config/features/file_upload/manager.py`); otherwise they are dropped without a word.
 */

/** The Service API app modes (models/model.py AppMode) the stand-in plays. */
export type AppMode = "chat" | "agent-chat" | "advanced-chat" | "completion" | "workflow";

/** One app: its mode (undefined: a server too old to report it) and its features. */
export interface StandInApp {
  name: string;
  mode?: AppMode;
  /** How /parameters describes uploads (the stored feature dict). */
  fileUpload: Record<string, unknown>;
  speechToText: boolean;
  /** The declared inputs (`user_input_form`). */
  userInputForm: unknown[];
}

const IMAGE_EXTENSIONS = [".JPG", ".JPEG", ".PNG", ".GIF", ".WEBP", ".SVG"];

/** What the current console stores when images are allowed. */
const IMAGES_ON = {
  image: { detail: "high", enabled: true, number_limits: 3, transfer_methods: ["local_file", "remote_url"] },
  enabled: true,
  allowed_file_types: ["image"],
  allowed_file_extensions: IMAGE_EXTENSIONS,
  allowed_file_upload_methods: ["local_file", "remote_url"],
  number_limits: 3,
};

/** The legacy default for an app whose upload feature was never set (parameters_mapping). */
const UPLOADS_NEVER_SET = {
  image: { enabled: false, number_limits: 3, detail: "high", transfer_methods: ["remote_url", "local_file"] },
};

/** An app set up before the upload feature existed, with the old image switch on and no top-level `enabled`. */
const LEGACY_IMAGE_ONLY = {
  image: { enabled: true, number_limits: 3, detail: "high", transfer_methods: ["remote_url", "local_file"] },
};

const queryInput = (type: "paragraph" | "text-input") => ({
  [type]: { variable: "query", label: "query", required: true, max_length: type === "paragraph" ? 4096 : 256, default: "" },
});

/** The apps by API key. */
export const APPS: Record<string, StandInApp> = {
  "app-test-key": { name: "Mock Dify App", mode: "advanced-chat", fileUpload: IMAGES_ON, speechToText: true, userInputForm: [] },
  // Only the legacy image switch is on: Dify ignores it, so the app takes no images (issue 9, item 6).
  // A second account's own app (vitest.config.ts, project "accounts"): a plain chatbot.
  "app-shop-key": { name: "Shop Assistant", mode: "chat", fileUpload: LEGACY_IMAGE_ONLY, speechToText: false, userInputForm: [] },
  "app-basic-key": { name: "Mock Dify App", mode: "chat", fileUpload: LEGACY_IMAGE_ONLY, speechToText: false, userInputForm: [] },
  "app-workflow-key": {
    name: "Mock Dify App", mode: "workflow", fileUpload: IMAGES_ON, speechToText: true, userInputForm: [queryInput("paragraph")],
  },
  "app-completion-key": {
    name: "Mock Dify App",
    mode: "completion",
    fileUpload: UPLOADS_NEVER_SET,
    speechToText: false,
    userInputForm: [
      queryInput("paragraph"),
      { "text-input": { variable: "tone", label: "tone", required: false, max_length: 48, default: "" } },
    ],
  },
  "app-old-server-key": { name: "Mock Dify App", fileUpload: UPLOADS_NEVER_SET, speechToText: false, userInputForm: [] },
};

/** The app behind an `Authorization: Bearer …` header, if any. */
export function appFor(authorization: string | undefined): StandInApp | undefined {
  return APPS[(authorization ?? "").replace(/^Bearer /, "")];
}

/** GET /info. */
export function infoBody(app: StandInApp): Record<string, unknown> {
  return {
    name: app.name, description: "local stand-in", tags: [], ...(app.mode ? { mode: app.mode } : {}), author_name: "tests",
  };
}

/** GET /parameters, with the keys parameters_mapping returns in 1.12.1. */
export function parametersBody(app: StandInApp): Record<string, unknown> {
  return {
    opening_statement: "",
    suggested_questions: [],
    suggested_questions_after_answer: { enabled: false },
    speech_to_text: { enabled: app.speechToText },
    text_to_speech: { enabled: false },
    retriever_resource: { enabled: false },
    annotation_reply: { enabled: false },
    more_like_this: { enabled: false },
    user_input_form: app.userInputForm,
    sensitive_word_avoidance: { enabled: false, type: "", configs: [] },
    file_upload: app.fileUpload,
    system_parameters: {
      image_file_size_limit: 10, video_file_size_limit: 100, audio_file_size_limit: 50, file_size_limit: 15,
      workflow_file_upload_limit: 10,
    },
  };
}

/** Whether the app takes image files with a question (top-level `enabled` and "image" allowed). */
export function acceptsImages(app: StandInApp): boolean {
  const types = app.fileUpload.allowed_file_types;
  return app.fileUpload.enabled === true && Array.isArray(types) && types.includes("image");
}

/** The route each mode answers on; others get Dify's mismatch error (controllers/service_api/app/completion.py). */
export function routeOf(mode: AppMode | undefined): "chat" | "completion" | "workflow" {
  if (mode === "completion") return "completion";
  if (mode === "workflow") return "workflow";
  return "chat";
}

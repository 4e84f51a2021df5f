/**
 * Dify's HTTP errors before a stream: JSON `{code, message, status}` (`libs/external_api.py` `handle_error`,
 * `libs/exception.py` `BaseHTTPException`), with the texts of `controllers/service_api/app/error.py`.
 */
import type { ServerResponse } from "node:http";

/** Dify's JSON error body. */
export interface DifyErrorBody {
  code: string;
  message: string;
  status: number;
}

/** The description each error code comes with in Dify (error.py, werkzeug for the generic HTTP ones). */
const MESSAGES: Record<string, string> = {
  unauthorized: "Access token is invalid",
  app_unavailable: "App unavailable, please check your app configurations.",
  not_chat_app: "Please check if your Chat app mode matches the right API route.",
  not_completion_app: "Please check if your Completion app mode matches the right API route.",
  not_workflow_app: "Please check if your app mode matches the right API route.",
  provider_not_initialize:
    "No valid model provider credentials found. Please go to Settings -> Model Provider to complete your provider credentials.",
  provider_quota_exceeded:
    "Your quota for Dify Hosted OpenAI has been exhausted. Please go to Settings -> Model Provider to complete your own provider credentials.",
  model_currently_not_support: "Dify Hosted OpenAI trial currently not support the GPT-4 model.",
  completion_request_error: "Completion request failed.",
  // The app's concurrency cap (core/app/features/rate_limiting/rate_limit.py).
  too_many_requests: "Too many requests. Please try again later.",
  rate_limit_error: "Rate Limit Error",
  internal_server_error:
    "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
  not_found:
    "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
  no_file_uploaded: "Please upload your file.",
  no_audio_uploaded: "Please upload your audio.",
  unsupported_audio_type: "Audio type not allowed.",
  audio_too_large: "Audio size exceeded. Audio size larger than 30 mb",
};

/** Other routes flask-restx finds close to each Service API path, for its 404 help text. */
const CLOSE_ROUTES: Record<string, string[]> = {
  "/v1/chat-messages": ["/v1/chat-messages", "/api/chat-messages", "/v1/chat-messages/<string:task_id>/stop"],
  "/v1/completion-messages": [
    "/v1/completion-messages", "/api/completion-messages", "/v1/completion-messages/<string:task_id>/stop",
  ],
  "/v1/workflows/run": ["/v1/workflows/run", "/api/workflows/run", "/v1/workflows/run/<string:workflow_run_id>"],
};

/** The body Dify sends for `code` with HTTP `status`; `message` overrides the stock text (ValueErrors carry their own). */
export function errorBody(status: number, code: string, message?: string): DifyErrorBody {
  return { code, message: message ?? MESSAGES[code] ?? `${code}`, status };
}

/**
 * flask-restx's `Api._help_on_404` continues every 404 message with the routes it finds close to the requested
 * one ("… You have requested this URI [/v1/chat-messages] but did you mean … ?", seen in langgenius/dify#28481), so
 * "Conversation Not Exists." is only the start of the text.
 */
export function notFoundBody(message: string, path: string): DifyErrorBody {
  const close = CLOSE_ROUTES[path];
  const help = close === undefined
    ? ""
    : ` You have requested this URI [${path}] but did you mean ${close.join(" or ")} ?`;
  return { code: "not_found", message: `${message.replace(/\.$/, "")}.${help}`, status: 404 };
}

/** Sends a JSON body (Flask's jsonify: compact, `application/json`). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

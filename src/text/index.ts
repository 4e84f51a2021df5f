/** Answer shaping for WeChat: Markdown to readable plain text, and splitting by UTF-8 bytes. */
export { markdownImageUrls, markdownToWechatText, stripThinking } from "./markdown.js";
export { DEFAULT_MAX_BYTES, splitByUtf8Bytes, takeFinishedParagraphs, utf8Length } from "./split.js";

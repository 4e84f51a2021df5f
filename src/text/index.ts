/** Answer shaping for WeChat: Markdown to readable plain text, and splitting by UTF-8 bytes. */
export {
  MAX_SHAPED_CHARS,
  markdownImageUrls,
  markdownToWechatText,
  shapeMarkdown,
  stripThinking,
  type ShapedAnswer,
} from "./markdown.js";
export { DEFAULT_MAX_BYTES, ParagraphScanner, splitByUtf8Bytes, takeFinishedParagraphs, utf8Length } from "./split.js";

/**
 * WeChat's callback XML: a flat `<xml>` element whose children are text or CDATA. Anything else is refused before
 * it reaches the rest of the worker — in particular DTDs, so no entity is ever expanded (billion laughs, XXE).
 */
import { XMLParser, XMLValidator, type EntityDecoderOptions } from "fast-xml-parser";
import { WechatProtocolError } from "./errors.js";

/** Real callbacks are a few KiB; this only bounds the parser's work on hostile input. */
const MAX_XML_CHARS = 1 << 20;
/** `<xml>` plus one level of fields, with room to spare; deeper documents are refused by the parser itself. */
const MAX_NESTED_TAGS = 8;

/** XML's five predefined entities: the only ones a WeChat field may use. */
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/**
 * The parser hands every DOCTYPE it reads to its entity decoder, so refusing there follows the parser's own reading
 * of the document. The text check in hasDtd alone is not enough: a "<![CDATA[" inside a comment, a processing
 * instruction or an attribute makes a real DOCTYPE after it look like CDATA text.
 */
const noDtdEntities: EntityDecoderOptions = {
  addInputEntities: () => {
    throw malformed();
  },
  setExternalEntities: () => undefined,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  // One pass, so "&amp;lt;" stays "&lt;"; any other reference (&foo;, &#65;) is left as written.
  decode: (text) => text.replace(/&(lt|gt|amp|quot|apos);/g, (ref, name: string) => PREDEFINED_ENTITIES[name] ?? ref),
};

const parser = new XMLParser({
  ignoreAttributes: true,
  // Keep "0123" and "4363689963896700987" exactly as sent: MsgIds exceed Number's safe range.
  parseTagValue: false,
  // Keep leading and trailing spaces of user text; whitespace-only text between fields is dropped below.
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_NESTED_TAGS,
  entityDecoder: noDtdEntities,
});

/**
 * Parses a WeChat XML document into its flat <xml> child fields (text/CDATA values as strings, numbers kept as the
 * original string). Throws WechatProtocolError("malformed-xml") on: empty input, no <xml> root, malformed XML,
 * any <!DOCTYPE/<!ENTITY (no entity expansion, ever), nesting deeper than a small limit, or a repeated field.
 * Nested blocks (menu events' ScanCodeInfo, SendPicsInfo, SendLocationInfo) are flattened to dotted names.
 */
export function parseWechatXml(xml: string): Record<string, string> {
  if (xml.trim() === "" || xml.length > MAX_XML_CHARS) throw malformed();
  if (hasDtd(xml)) throw malformed();
  let parsed: unknown;
  try {
    if (XMLValidator.validate(xml) !== true) throw malformed();
    parsed = parser.parse(xml);
  } catch {
    throw malformed();
  }
  if (!isRecord(parsed)) throw malformed();
  const keys = Object.keys(parsed);
  if (keys.length !== 1 || keys[0] !== "xml") throw malformed();

  const root = parsed["xml"];
  const fields: Record<string, string> = {};
  if (root === "") return fields; // <xml/> or <xml></xml>: a document, just no fields.
  if (!isRecord(root)) throw malformed();
  for (const [name, value] of Object.entries(root)) {
    if (Array.isArray(value)) throw malformed(); // a repeated field: which one would be meant?
    if (isRecord(value)) {
      // Menu events (scancode_*, pic_*, location_select) nest a block such as <ScanCodeInfo><ScanResult/>:
      // keep its text leaves as "ScanCodeInfo.ScanResult" rather than refusing a real WeChat callback.
      flattenInto(fields, name, value);
      continue;
    }
    if (typeof value !== "string") throw malformed();
    if (name === "#text") {
      if (value.trim() !== "") throw malformed(); // stray text beside the fields
      continue;
    }
    fields[name] = value;
  }
  return fields;
}

function flattenInto(fields: Record<string, string>, prefix: string, value: unknown): void {
  if (typeof value === "string") {
    if (value.trim() !== "" || !prefix.endsWith("#text")) fields[prefix.replace(/\.#text$/, "")] = value;
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => flattenInto(fields, `${prefix}.${i}`, item));
    return;
  }
  if (isRecord(value)) {
    for (const [name, child] of Object.entries(value)) flattenInto(fields, `${prefix}.${name}`, child);
  }
}

/** Builds `<xml>` with the fields in order; strings as CDATA (splitting any "]]>" safely), numbers bare. */
export function buildWechatXml(fields: Array<[string, string | number]>): string {
  let out = "<xml>";
  for (const [name, value] of fields) {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) throw new RangeError(`not an XML element name: ${name}`);
    out += `<${name}>${typeof value === "number" ? bareNumber(value) : cdata(value)}</${name}>`;
  }
  return `${out}</xml>`;
}

/** True when the document declares a DTD or entity outside CDATA (user text may legitimately contain "<!DOCTYPE"). */
function hasDtd(xml: string): boolean {
  const outsideCdata = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "");
  return /<!(DOCTYPE|ENTITY)/i.test(outsideCdata);
}

function cdata(value: string): string {
  // "]]>" would end the section early: close after "]]", reopen, and carry on with ">".
  return `<![CDATA[${stripNonXmlChars(value).replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

/**
 * XML 1.0 forbids most control characters and unpaired surrogates even inside CDATA; WeChat would reject the whole
 * reply for one stray byte from the model, so they are dropped.
 */
function stripNonXmlChars(value: string): string {
  return value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/gu, "");
}

function bareNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError("XML number fields must be finite");
  return String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function malformed(): WechatProtocolError {
  return new WechatProtocolError("malformed-xml");
}

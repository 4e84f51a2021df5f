/**
 * The flat `<xml><Field>…</Field></xml>` documents WeChat exchanges, built and read by hand so the simulator does not
 * share the worker's XML library (a bug there would otherwise cancel out on both sides).
 */

/** One field: strings are written as CDATA, numbers bare, as WeChat does. */
export type XmlField = readonly [name: string, value: string | number];

/** Writes `<xml>` with the fields in order. A `]]>` inside a string is split across two CDATA sections. */
export function buildFlatXml(fields: readonly XmlField[]): string {
  const body = fields
    .map(([name, value]) => {
      const text = typeof value === "number" ? String(value) : `<![CDATA[${value.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
      return `<${name}>${text}</${name}>`;
    })
    .join("");
  return `<xml>${body}</xml>`;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name: string) => {
    if (name.startsWith("#x") || name.startsWith("#X")) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? all;
  });
}

/** Thrown when a reply is not the flat XML WeChat expects. */
export class FlatXmlError extends Error {
  override readonly name = "FlatXmlError";
}

/**
 * Reads the direct children of `<xml>` into name -> text (CDATA sections joined, entities decoded). Nested elements
 * (news articles) are kept as their raw inner XML. Throws FlatXmlError on anything that is not well-formed enough.
 */
export function parseFlatXml(xml: string): Record<string, string> {
  const source = xml.trim().replace(/^<\?xml[^>]*\?>\s*/, "");
  if (!source.startsWith("<xml>") || !source.endsWith("</xml>")) throw new FlatXmlError("not an <xml> document");
  const inner = source.slice("<xml>".length, -"</xml>".length);
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < inner.length) {
    const open = /^\s*<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(inner.slice(at));
    if (open === null) {
      if (inner.slice(at).trim() === "") break;
      throw new FlatXmlError(`unexpected text near ${JSON.stringify(inner.slice(at, at + 20))}`);
    }
    const name = open[1] ?? "";
    at += open[0].length;
    if (open[2] === "/") {
      fields[name] = "";
      continue;
    }
    const { text, end } = readElementText(inner, at, name);
    fields[name] = text;
    at = end;
  }
  return fields;
}

/** Reads from `at` up to `</name>`, honouring CDATA (which may contain `<` and even `</name>`). */
function readElementText(source: string, at: number, name: string): { text: string; end: number } {
  const close = `</${name}>`;
  let text = "";
  let depth = 0;
  let i = at;
  while (i < source.length) {
    if (source.startsWith("<![CDATA[", i)) {
      const stop = source.indexOf("]]>", i + 9);
      if (stop < 0) throw new FlatXmlError(`unterminated CDATA in <${name}>`);
      text += source.slice(i + 9, stop);
      i = stop + 3;
    } else if (source.startsWith(close, i) && depth === 0) {
      return { text, end: i + close.length };
    } else if (source.startsWith(`<${name}>`, i)) {
      depth += 1;
      text += `<${name}>`;
      i += name.length + 2;
    } else if (source.startsWith(close, i)) {
      depth -= 1;
      text += close;
      i += close.length;
    } else {
      const next = source.indexOf("<", i + 1);
      const stop = next < 0 ? source.length : next;
      const chunk = source.slice(i, stop);
      text += chunk.startsWith("<") ? chunk : decodeEntities(chunk);
      i = stop;
    }
  }
  throw new FlatXmlError(`<${name}> is never closed`);
}

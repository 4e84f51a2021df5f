import { describe, expect, it } from "vitest";
import { protocolReason as reasonOf } from "../support/expect-errors.js";
import { buildWechatXml, parseWechatXml } from "../../src/wechat/xml.js";


const TEXT_MESSAGE = `<xml>
  <ToUserName><![CDATA[gh_123]]></ToUserName>
  <FromUserName><![CDATA[oUser]]></FromUserName>
  <CreateTime>1348831860</CreateTime>
  <MsgType><![CDATA[text]]></MsgType>
  <Content><![CDATA[this is a test]]></Content>
  <MsgId>4363689963896700987</MsgId>
</xml>`;

describe("parseWechatXml", () => {
  it("reads WeChat's text message into flat string fields", () => {
    expect(parseWechatXml(TEXT_MESSAGE)).toEqual({
      ToUserName: "gh_123",
      FromUserName: "oUser",
      CreateTime: "1348831860",
      MsgType: "text",
      Content: "this is a test",
      MsgId: "4363689963896700987",
    });
  });

  it("keeps numbers as the original strings, leading zeros and 19-digit ids included", () => {
    expect(parseWechatXml("<xml><A>0123</A><B>4363689963896700987</B><C>1.50</C></xml>")).toEqual({
      A: "0123",
      B: "4363689963896700987",
      C: "1.50",
    });
  });

  it("keeps the spaces and newlines inside CDATA", () => {
    expect(parseWechatXml("<xml><Content><![CDATA[  two\n lines  ]]></Content></xml>")["Content"]).toBe("  two\n lines  ");
  });

  it("joins a CDATA split around ']]>' back into the original text", () => {
    expect(parseWechatXml("<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>")["Content"]).toBe("a]]>b");
  });

  it("decodes XML's predefined entities in plain text", () => {
    expect(parseWechatXml("<xml><Content>a &amp; b &lt;c&gt;</Content></xml>")["Content"]).toBe("a & b <c>");
  });

  it("reads Chinese text", () => {
    expect(parseWechatXml("<xml><Content><![CDATA[你好，世界]]></Content></xml>")["Content"]).toBe("你好，世界");
  });

  it("accepts an XML declaration and ignores attributes and comments", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><xml><!-- note --><A lang="zh">v</A></xml>`;
    expect(parseWechatXml(xml)).toEqual({ A: "v" });
  });

  it("reads empty and self-closing fields as empty strings", () => {
    expect(parseWechatXml("<xml><EventKey></EventKey><Recognition/></xml>")).toEqual({ EventKey: "", Recognition: "" });
  });

  it("reads <xml/> as a document with no fields", () => {
    expect(parseWechatXml("<xml/>")).toEqual({});
    expect(parseWechatXml("<xml></xml>")).toEqual({});
  });

  it("accepts '<!DOCTYPE' and '<!ENTITY' written by a user inside CDATA", () => {
    const xml = "<xml><Content><![CDATA[what does <!DOCTYPE html> or <!ENTITY x> mean?]]></Content></xml>";
    expect(parseWechatXml(xml)["Content"]).toBe("what does <!DOCTYPE html> or <!ENTITY x> mean?");
  });

  it("rejects any DOCTYPE, so no entity is ever expanded (billion laughs)", () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Content>&b;</Content></xml>`;
    expect(reasonOf(() => parseWechatXml(bomb))).toBe("malformed-xml");
    expect(reasonOf(() => parseWechatXml(`<!doctype xml><xml><A>1</A></xml>`))).toBe("malformed-xml");
  });

  it("rejects external entities (XXE)", () => {
    const xxe = `<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>`;
    expect(reasonOf(() => parseWechatXml(xxe))).toBe("malformed-xml");
  });

  it("rejects a stray <!ENTITY outside a DOCTYPE", () => {
    expect(reasonOf(() => parseWechatXml(`<xml><!ENTITY a "b"><A>1</A></xml>`))).toBe("malformed-xml");
  });

  it("leaves undeclared entity references as the literal text", () => {
    expect(parseWechatXml("<xml><A>&foo;</A></xml>")["A"]).toBe("&foo;");
  });

  it("rejects empty and whitespace-only input", () => {
    expect(reasonOf(() => parseWechatXml(""))).toBe("malformed-xml");
    expect(reasonOf(() => parseWechatXml("  \n\t "))).toBe("malformed-xml");
  });

  it("rejects a document whose root is not <xml>", () => {
    expect(reasonOf(() => parseWechatXml("<foo><A>1</A></foo>"))).toBe("malformed-xml");
    expect(reasonOf(() => parseWechatXml("<XML><A>1</A></XML>"))).toBe("malformed-xml");
    expect(reasonOf(() => parseWechatXml("success"))).toBe("malformed-xml");
    expect(reasonOf(() => parseWechatXml('{"xml":{}}'))).toBe("malformed-xml");
  });

  it("rejects malformed XML: mismatched, unclosed, bare '<' and trailing text", () => {
    for (const xml of [
      "<xml><A>1</B></xml>",
      "<xml><A>1</A>",
      "<xml><A>1 < 2</A></xml>",
      "<xml><A>1</A></xml>trailing",
      "<xml><A><![CDATA[unterminated</A></xml>",
    ]) {
      expect(reasonOf(() => parseWechatXml(xml)), xml).toBe("malformed-xml");
    }
  });

  it("rejects two root elements", () => {
    expect(reasonOf(() => parseWechatXml("<xml><A>1</A></xml><xml><A>2</A></xml>"))).toBe("malformed-xml");
  });

  it("rejects nesting far deeper than any callback uses", () => {
    const deep = `<xml>${"<a>".repeat(5000)}x${"</a>".repeat(5000)}</xml>`;
    expect(reasonOf(() => parseWechatXml(deep))).toBe("malformed-xml");
  });

  it("flattens the nested blocks of menu events (scancode_push) into dotted field names", () => {
    const xml =
      "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>" +
      "<CreateTime>1408090502</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_push]]></Event>" +
      "<EventKey><![CDATA[6]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>" +
      "<ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo></xml>";
    const fields = parseWechatXml(xml);
    expect(fields.Event).toBe("scancode_push");
    expect(fields["ScanCodeInfo.ScanType"]).toBe("qrcode");
    expect(fields["ScanCodeInfo.ScanResult"]).toBe("1");
  });

  it("keeps every item of a nested list (pic_sysphoto's PicList)", () => {
    const xml =
      "<xml><A>1</A><SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum>aa</PicMd5Sum></item>" +
      "<item><PicMd5Sum>bb</PicMd5Sum></item></PicList></SendPicsInfo></xml>";
    const fields = parseWechatXml(xml);
    expect(fields["SendPicsInfo.Count"]).toBe("2");
    expect(fields["SendPicsInfo.PicList.item.0.PicMd5Sum"]).toBe("aa");
    expect(fields["SendPicsInfo.PicList.item.1.PicMd5Sum"]).toBe("bb");
  });

  it("rejects a repeated field", () => {
    expect(reasonOf(() => parseWechatXml("<xml><A>1</A><A>2</A></xml>"))).toBe("malformed-xml");
  });

  it("rejects text outside the fields", () => {
    expect(reasonOf(() => parseWechatXml("<xml>stray<A>1</A></xml>"))).toBe("malformed-xml");
  });

  it("rejects field names that would pollute prototypes", () => {
    expect(reasonOf(() => parseWechatXml("<xml><__proto__>x</__proto__></xml>"))).toBe("malformed-xml");
  });

  it("never returns fields for input over the size limit", () => {
    const huge = `<xml><Content>${"a".repeat(2 * 1024 * 1024)}</Content></xml>`;
    expect(reasonOf(() => parseWechatXml(huge))).toBe("malformed-xml");
  });
});

describe("buildWechatXml", () => {
  it("writes strings as CDATA and numbers bare, in the given order", () => {
    expect(buildWechatXml([["ToUserName", "oUser"], ["CreateTime", 1700000000], ["MsgType", "text"]])).toBe(
      "<xml><ToUserName><![CDATA[oUser]]></ToUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType></xml>",
    );
  });

  it("splits ']]>' in content so the text survives a parse unchanged", () => {
    const content = "x]]>y ]]> ]]]>> <![CDATA[ z";
    const xml = buildWechatXml([["Content", content]]);
    expect(xml).toBe("<xml><Content><![CDATA[x]]]]><![CDATA[>y ]]]]><![CDATA[> ]]]]]><![CDATA[>> <![CDATA[ z]]></Content></xml>");
    expect(parseWechatXml(xml)["Content"]).toBe(content);
  });

  it("round-trips markup-like, Chinese and emoji text", () => {
    const content = "<b>&amp;</b> 中文 😀 </xml>";
    expect(parseWechatXml(buildWechatXml([["Content", content]]))["Content"]).toBe(content);
  });

  it("drops characters XML 1.0 cannot carry, keeping tabs and newlines", () => {
    const xml = buildWechatXml([["Content", "a\u0000b\u0007c\td\ne\uFFFFf\uD800g"]]);
    expect(parseWechatXml(xml)["Content"]).toBe("abc\td\nefg");
  });

  it("writes an empty document for no fields", () => {
    expect(buildWechatXml([])).toBe("<xml></xml>");
  });

  it("refuses element names that are not XML names", () => {
    expect(() => buildWechatXml([["a b", "x"]])).toThrow(RangeError);
    expect(() => buildWechatXml([["<x>", "x"]])).toThrow(RangeError);
  });

  it("refuses numbers that are not finite", () => {
    expect(() => buildWechatXml([["A", Number.NaN]])).toThrow(RangeError);
    expect(() => buildWechatXml([["A", Number.POSITIVE_INFINITY]])).toThrow(RangeError);
  });
});

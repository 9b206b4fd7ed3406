/**
 * What the XML documents the server writes by hand (VOSI, UWS, DataLink capabilities, examples) need. Escaping is the
 * votable package's, one for character data and one for attribute values: what XML 1.0 §2.2 forbids becomes U+FFFD,
 * and in attributes tabs, newlines and CRs are written as references so that §3.3.3's normalisation keeps them.
 */
import { escapeText } from "@qserv-tap/votable";

export { escapeAttr, escapeText } from "@qserv-tap/votable";

/** `<name>text</name>`, or nothing when the text is null or empty. */
export function el(name: string, text: string | number | null | undefined, attrs = ""): string {
  if (text === null || text === undefined || text === "") return "";
  return `<${name}${attrs}>${escapeText(String(text))}</${name}>`;
}

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
export const XSI = "http://www.w3.org/2001/XMLSchema-instance";

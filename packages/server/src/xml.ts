/** Escaping for the XML documents the server writes by hand (VOSI, examples). */
export function esc(text: string | number | boolean): string {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    // Characters XML 1.0 does not allow.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, "");
}

/** `<name>text</name>`, or nothing when the text is null or empty. */
export function el(name: string, text: string | number | null | undefined, attrs = ""): string {
  if (text === null || text === undefined || text === "") return "";
  return `<${name}${attrs}>${esc(text)}</${name}>`;
}

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
export const XSI = "http://www.w3.org/2001/XMLSchema-instance";

// A tiny XML tree and its serialiser, for the JUnit writer: escaping in one place, no dependency.
export interface XmlElement {
  name: string;
  attributes?: Record<string, string | number | undefined>;
  children?: XmlElement[];
  text?: string;
  /** Already serialised children (from `serializeElement`), for large lists built without a tree. */
  raw?: string[];
  /** Children written after `raw` (a JUnit suite's system-err follows its testcases). */
  tail?: XmlElement[];
}

// XML 1.0 forbids most C0 control characters even when escaped (w3.org/TR/xml/#charsets).
/* eslint-disable no-control-regex */
const needsTextEscape = /[&<>\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const needsAttributeEscape = /[&<>"\n\r\t\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
/* eslint-enable no-control-regex */
const textEscapes = new RegExp(needsTextEscape.source, 'g');
const attributeEscapes = new RegExp(needsAttributeEscape.source, 'g');

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\n': '&#10;',
  '\r': '&#13;',
  '\t': '&#9;',
};
/** A markup character's entity; a character XML forbids becomes U+FFFD. */
const entity = (char: string): string => entities[char] ?? '\uFFFD';

/** One pass over the text: markup characters become entities, forbidden characters U+FFFD. */
export function escapeXmlText(value: string): string {
  if (!needsTextEscape.test(value)) return value;
  return value.replace(textEscapes, entity);
}

export function escapeXmlAttribute(value: string): string {
  if (!needsAttributeEscape.test(value)) return value;
  return value.replace(attributeEscapes, entity);
}

function write(element: XmlElement, indent: string, out: string[]): void {
  let open = `${indent}<${element.name}`;
  const attributes = element.attributes;
  // A key loop, not Object.entries: 100,000 testcases' attributes allocate no pairs.
  if (attributes)
    for (const key of Object.keys(attributes)) {
      const value = attributes[key];
      if (value !== undefined) open += ` ${key}="${escapeXmlAttribute(String(value))}"`;
    }
  const children = element.children ?? [];
  const raw = element.raw ?? [];
  const tail = element.tail ?? [];
  if (children.length === 0 && raw.length === 0 && tail.length === 0 && element.text === undefined) {
    out.push(`${open}/>`);
    return;
  }
  if (children.length === 0 && raw.length === 0 && tail.length === 0) {
    out.push(`${open}>${escapeXmlText(element.text ?? '')}</${element.name}>`);
    return;
  }
  out.push(`${open}>`);
  if (element.text !== undefined) out.push(escapeXmlText(element.text));
  for (const child of children) write(child, `${indent}  `, out);
  for (const text of raw) out.push(text);
  for (const child of tail) write(child, `${indent}  `, out);
  out.push(`${indent}</${element.name}>`);
}

/** One element as text, indented (for `raw`). */
export function serializeElement(element: XmlElement, indent = ''): string {
  const out: string[] = [];
  write(element, indent, out);
  return out.join('\n');
}

export function serializeXml(root: XmlElement): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  write(root, '', out);
  return `${out.join('\n')}\n`;
}

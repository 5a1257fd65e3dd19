// The small XML files of deploy/ (ClickHouse server and Keeper configuration) as a tree of
// elements, read with fast-xml-parser: validated first (a file this accepts is well-formed XML),
// then parsed in document order so repeated elements (<replica>, <server>, <node>) stay a list.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, trimmed (text between its child elements joined). */
  text: string;
}

/** One node of fast-xml-parser's preserveOrder output: { tag: children[], ':@': attributes } or { '#text': value }. */
type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  trimValues: true,
});

function toElement(node: OrderedNode): XmlElement | null {
  const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text' && k !== '?xml');
  if (name === undefined) return null;
  const inner = node[name] as OrderedNode[];
  return {
    name,
    attributes: (node[':@'] as Record<string, string> | undefined) ?? {},
    children: inner.map(toElement).filter((e): e is XmlElement => e !== null),
    text: inner
      .filter((n) => '#text' in n)
      .map((n) => String(n['#text']))
      .join('')
      .trim(),
  };
}

/** Parses a whole document; returns its root element. Throws, naming the file and line, on anything not well-formed. */
export function parseXml(source: string, file = 'xml'): XmlElement {
  const valid = XMLValidator.validate(source);
  if (valid !== true) throw new Error(`${file}:${valid.err.line}: ${valid.err.msg}`);
  const roots = (parser.parse(source) as OrderedNode[]).map(toElement).filter((e): e is XmlElement => e !== null);
  if (roots.length !== 1) throw new Error(`${file}: ${roots.length} root elements, expected one`);
  return roots[0]!;
}

/** The child elements named `name`. */
export const childrenNamed = (el: XmlElement, name: string) => el.children.filter((c) => c.name === name);

/** The one child element named `name`; throws when there is none or more than one. */
export function child(el: XmlElement, name: string): XmlElement {
  const found = childrenNamed(el, name);
  if (found.length !== 1) throw new Error(`<${el.name}> has ${found.length} <${name}> elements, expected one`);
  return found[0]!;
}

/** The text of the element at a path of child names, e.g. textAt(root, 'macros', 'shard'). */
export const textAt = (el: XmlElement, ...names: string[]) => names.reduce(child, el).text;

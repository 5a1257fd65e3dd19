// A strict reader for the small XML files of deploy/ (ClickHouse server and Keeper configuration):
// an optional declaration, comments, elements with attributes, and text. Anything else (DOCTYPE,
// CDATA, processing instructions, entities other than the five predefined ones) is refused, as is
// a tag that does not close the element it should: a file this accepts is well-formed XML.
// No XML parser is among the project's dependencies; this is all the static compose test needs.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, trimmed (text between its child elements joined). */
  text: string;
}

const NAME = '[A-Za-z_][\\w.-]*';
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(s: string, where: string): string {
  return s.replace(/&([a-z]+);|&/g, (m, name: string | undefined) => {
    if (name && ENTITIES[name] !== undefined) return ENTITIES[name]!;
    throw new Error(`${where}: unsupported entity or bare & (${m})`);
  });
}

/** Parses a whole document; returns its root element. Throws on anything not well-formed. */
export function parseXml(source: string, file = 'xml'): XmlElement {
  const token = new RegExp(
    `<\\?xml[^?]*\\?>|<!--([\\s\\S]*?)-->|<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>|</(${NAME})\\s*>|([^<]+)|(<)`,
    'y',
  );
  const stack: XmlElement[] = [];
  const texts: string[][] = [];
  let root: XmlElement | null = null;
  let seenElement = false;
  for (let pos = 0; pos < source.length; pos = token.lastIndex) {
    token.lastIndex = pos;
    const m = token.exec(source);
    // Every character starts some alternative (the last one is a lone "<"), so this cannot fail.
    if (!m) throw new Error(`${file}: could not read past offset ${pos}`);
    const at = `${file} at offset ${m.index}`;
    if (m[0].startsWith('<?xml')) {
      if (m.index !== 0) throw new Error(`${at}: the XML declaration must come first`);
    } else if (m[1] !== undefined) {
      if (m[1].includes('--')) throw new Error(`${at}: "--" inside a comment`);
    } else if (m[2] !== undefined) {
      if (stack.length === 0 && seenElement) throw new Error(`${at}: a second root element <${m[2]}>`);
      seenElement = true;
      const attributes: Record<string, string> = {};
      for (const a of m[3]!.matchAll(new RegExp(`(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, 'g'))) {
        if (a[1]! in attributes) throw new Error(`${at}: attribute ${a[1]} twice`);
        attributes[a[1]!] = decode(a[2] ?? a[3] ?? '', at);
      }
      const el: XmlElement = { name: m[2], attributes, children: [], text: '' };
      stack.at(-1)?.children.push(el);
      if (m[4] === '/') {
        if (stack.length === 0) root = el;
      } else {
        stack.push(el);
        texts.push([]);
      }
    } else if (m[5] !== undefined) {
      const open = stack.pop();
      if (!open || open.name !== m[5]) throw new Error(`${at}: </${m[5]}> closes ${open ? `<${open.name}>` : 'nothing'}`);
      open.text = texts.pop()!.join('').trim();
      if (stack.length === 0) root = open;
    } else if (m[6] !== undefined) {
      if (stack.length === 0) {
        if (m[6].trim()) throw new Error(`${at}: text outside the root element`);
      } else texts.at(-1)!.push(decode(m[6], at));
    } else {
      throw new Error(`${at}: unsupported markup: ${source.slice(m.index, m.index + 20)}`);
    }
  }
  if (stack.length) throw new Error(`${file}: <${stack.at(-1)!.name}> is never closed`);
  if (!root) throw new Error(`${file}: no root element`);
  return root;
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

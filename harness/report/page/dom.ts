/** Small DOM builders the sections share: every text goes in as a text node, never as markup. */
import { stripTerminalCodes } from '../../results/reason.ts';
import type { VerdictStyle } from './data.ts';

/** Event listeners by event name, typed by the DOM's event map. */
export type Listeners = { [Name in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[Name]) => void };

/** Attributes set as given, plus `text` (the element's text content) and `on` (its listeners). */
export interface Attributes {
  text?: string;
  on?: Listeners;
  [attribute: string]: string | Listeners | undefined;
}

/** A child to append: strings become text nodes; null, undefined and false are left out. */
export type Child = Node | string | null | undefined | false;

/** Create an element with attributes, listeners and children. */
export function el<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  attributes: Attributes = {},
  children: readonly Child[] = [],
): HTMLElementTagNameMap[Tag] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text' && typeof value === 'string') node.textContent = value;
    else if (typeof value === 'string') node.setAttribute(name, value);
  }
  for (const [name, listener] of Object.entries(attributes.on ?? {})) node.addEventListener(name, listener as EventListener);
  append(node, children);
  return node;
}

/** Append children, skipping the empty ones. */
export function append(node: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** The inline colors of a verdict. */
export function verdictColors(style: VerdictStyle): string {
  return `background-color:${style.color};color:${style.ink}`;
}

/** A verdict's colored square with its glyph. */
export function swatch(style: VerdictStyle): HTMLSpanElement {
  return el('span', { class: 'swatch', style: verdictColors(style), text: style.glyph });
}

/** Preformatted text without terminal colour codes. */
export function pre(text: string, attributes: Attributes = {}): HTMLPreElement {
  return el('pre', attributes, [stripTerminalCodes(text)]);
}

/** A definition list of the record's set fields; objects shown as JSON. Null when nothing is set. */
export function definitions(record: Readonly<Record<string, unknown>> | undefined): HTMLDListElement | null {
  const entries = Object.entries(record ?? {}).filter(([, value]) => value !== null && value !== undefined);
  if (entries.length === 0) return null;
  return el(
    'dl',
    {},
    entries.flatMap(([name, value]) => [el('dt', { text: name }), el('dd', { text: typeof value === 'object' ? JSON.stringify(value) : String(value) })]),
  );
}

/** A titled block of the details panel: nothing when there is no content. */
export function titled(title: string, content: Node | null): Node[] {
  return content ? [el('h3', { text: title }), content] : [];
}

/** Sort unique strings. */
export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

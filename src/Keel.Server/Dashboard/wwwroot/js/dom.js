// Building DOM nodes without innerHTML: every piece of data becomes a text node or an attribute value, so text from
// tasks, models and tools can never turn into markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Creates an element. attrs: `class`, `testid` (data-testid), `dataset` (object), `style` (object of CSS
 * properties), `on` (object of event handlers), `text`, boolean and string attributes; null/undefined/false skip.
 * children: nodes, strings (text), numbers, arrays (flattened), null/undefined/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** Same as h, for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.entries(value).forEach(([k, v]) => { if (v !== null && v !== undefined) el.dataset[k] = String(v); });
    else if (key === 'style') Object.entries(value).forEach(([k, v]) => el.style.setProperty(k, v));
    else if (key === 'on') Object.entries(value).forEach(([event, fn]) => el.addEventListener(event, fn));
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'value' && 'value' in el) el.value = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (same forms as h) to a node. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces everything inside a node. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A link to a dashboard route (a hash). */
export function link(route, text, attrs = {}) {
  return h('a', { href: '#' + route, ...attrs }, text);
}

/** Pretty JSON when the text is JSON, the text as it is otherwise. */
export function prettyText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return JSON.stringify(value, null, 2);
  const trimmed = value.trim();
  if ((trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'))) {
    try { return JSON.stringify(JSON.parse(trimmed), null, 2); } catch { /* not JSON after all */ }
  }
  return value;
}

/** A block of preformatted text (JSON pretty-printed), or a muted dash when empty. */
export function pre(value, attrs = {}) {
  const text = prettyText(value);
  return text === '' ? h('span', { class: 'muted' }, '—') : h('pre', { class: 'block', ...attrs }, text);
}

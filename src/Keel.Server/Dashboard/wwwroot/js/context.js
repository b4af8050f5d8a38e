// A model call's context window, its diff against the previous model call, and long text that folds.
import { h, prettyText } from './dom.js';
import { facts } from './ui.js';

const FOLD_LINES = 24;
const FOLD_CHARS = 3000;

/** Text in a pre block; long text shows its start and a button to show the rest. */
export function foldable(value, attrs = {}) {
  const text = prettyText(value);
  if (text === '') return h('span', { class: 'muted' }, '(empty)');
  const lines = text.split('\n').length;
  const block = h('pre', { class: 'block', ...attrs }, text);
  if (lines <= FOLD_LINES && text.length <= FOLD_CHARS) return block;
  block.classList.add('folded');
  const toggle = h('button', {
    type: 'button', class: 'link small', 'aria-expanded': 'false',
    on: {
      click: () => {
        const open = block.classList.toggle('folded') === false;
        toggle.setAttribute('aria-expanded', String(open));
        toggle.textContent = open ? 'Show less' : `Show all ${lines.toLocaleString()} lines`;
      },
    },
  }, `Show all ${lines.toLocaleString()} lines`);
  return h('div', { class: 'foldable' }, block, toggle);
}

/** The request: model, parameters, and the tool definitions the model was offered. */
export function request(req) {
  if (!req) return null;
  const params = Object.entries(req.parameters ?? {}).filter(([, v]) => v !== null && v !== undefined);
  const tools = req.tools ?? [];
  return h('div', { class: 'request', testid: 'context-request' },
    facts([
      ['Model', req.model ? h('span', { class: 'mono', testid: 'context-model' }, req.model) : null],
      ...params.map(([k, v]) => [k, h('span', { class: 'mono' }, typeof v === 'object' ? JSON.stringify(v) : String(v))]),
    ], { testid: 'context-parameters' }),
    tools.length === 0 ? null : h('div', { class: 'tools', testid: 'context-tools' },
      h('h3', {}, `Tools offered (${tools.length})`),
      tools.map((tool) => h('details', { class: 'tool-def', testid: 'context-tool', dataset: { name: tool.name } },
        h('summary', {}, h('span', { class: 'mono strong' }, tool.name), tool.description ? h('span', { class: 'muted' }, ' — ' + tool.description) : null),
        foldable(tool.parameters)))));
}

/** One message as the model saw it: role, text, the tool calls it made, the tool results it carries. */
export function message(m) {
  const role = String(m.role ?? 'unknown').toLowerCase();
  const calls = m.tool_calls ?? [];
  const results = m.tool_results ?? [];
  return h('article', { class: ['message', 'role-' + role], testid: 'context-message', dataset: { role, index: m.index } },
    h('header', {},
      h('span', { class: 'role' }, role),
      h('span', { class: 'muted small mono' }, '#' + m.index)),
    m.text ? foldable(m.text, { class: 'block message-text' }) : (calls.length || results.length ? null : h('p', { class: 'muted small' }, '(no text)')),
    calls.map((call) => h('div', { class: 'tool-call', testid: 'context-tool-call', dataset: { name: call.name } },
      h('div', { class: 'small' }, '→ calls ', h('span', { class: 'mono strong' }, call.name), call.id ? h('span', { class: 'muted mono' }, ' ' + call.id) : null),
      foldable(call.arguments))),
    results.map((result) => h('div', { class: 'tool-result', testid: 'context-tool-result' },
      h('div', { class: 'small' }, '← result', result.call_id ? h('span', { class: 'muted mono' }, ' for ' + result.call_id) : null),
      foldable(result.result))));
}

/**
 * The diff against the previous model call, one row per line: added in green with "+", removed in red with "−".
 * Long runs of unchanged lines fold to their first and last two, with a button to show them.
 */
export function diffLines(lines) {
  const container = h('div', { class: 'diff', testid: 'diff-lines', role: 'list' });
  let run = [];
  const flush = () => {
    if (run.length > 6) {
      const hidden = run.slice(2, -2);
      container.append(...run.slice(0, 2).map(diffLine));
      const rest = hidden.map(diffLine);
      const expand = h('button', {
        type: 'button', class: 'diff-fold', testid: 'diff-expand',
        on: { click: () => expand.replaceWith(...rest) },
      }, `… ${hidden.length} unchanged lines`);
      container.append(expand, ...run.slice(-2).map(diffLine));
    } else {
      container.append(...run.map(diffLine));
    }
    run = [];
  };
  for (const line of lines) {
    if (line.op === 'same') { run.push(line); continue; }
    flush();
    container.append(diffLine(line));
  }
  flush();
  return container;
}

function diffLine(line) {
  const op = line.op === 'added' || line.op === 'removed' ? line.op : 'same';
  const sign = op === 'added' ? '+' : op === 'removed' ? '−' : ' ';
  return h('div', { class: ['diff-line', 'diff-' + op], role: 'listitem', testid: 'diff-line', dataset: { op, index: line.index } },
    h('span', { class: 'diff-sign', 'aria-label': op === 'same' ? 'unchanged' : op }, sign),
    h('span', { class: 'diff-where muted mono' }, line.index !== undefined && line.index !== null ? '#' + line.index : ''),
    h('span', { class: 'diff-role' }, line.role ?? ''),
    h('span', { class: 'diff-text' }, line.text ?? ''));
}

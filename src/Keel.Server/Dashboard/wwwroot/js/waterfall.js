// The waterfall of a task: one row per journal step on a shared time axis, the step's spans (provider attempts,
// retries, fallbacks) nested under it, waits (approvals, timers) as hatched bars, failed steps in red.
import { h } from './dom.js';
import { count, duration, lower, money } from './format.js';
import { path } from './router.js';
import { kindBadge, statusBadge } from './ui.js';

const TERMINAL = new Set(['succeeded', 'failed']);
const WAITS = new Set(['approval', 'timer']);

/**
 * detail: the /api/tasks/{id} answer. options.errorPath: step numbers to highlight as the failing step's path;
 * options.now: the time "now" for running tasks (ms); options.zoom: 'task' puts the whole task on the axis, 'steps'
 * only the time steps were working (long waits for a person or a timer would squeeze them into slivers), clipping
 * what lies outside.
 */
export function waterfall(detail, { errorPath = [], now = Date.now(), zoom = 'task' } = {}) {
  const rows = buildRows(detail, now);
  const taskId = detail.task.id;
  if (rows.length === 0) return h('p', { class: 'muted', testid: 'waterfall-empty' }, 'No steps recorded yet.');

  const scaled = zoom === 'steps' ? rows.filter((r) => (r.type === 'step' || r.type === 'span') && !WAITS.has(lower(r.kind))) : rows;
  const basis = scaled.length ? scaled : rows;
  const starts = basis.map((r) => r.start).filter(Number.isFinite);
  const ends = basis.map((r) => r.end).filter(Number.isFinite);
  const t0 = Math.min(...starts);
  const t1 = Math.max(...ends, t0 + 1);
  const span = t1 - t0;
  const onPath = new Set(errorPath.map(Number));

  return h('div', { class: 'waterfall', testid: 'waterfall', role: 'table', 'aria-label': 'Steps and spans on a time line' },
    h('div', { class: 'wf-row wf-head', role: 'row' },
      h('div', { class: 'wf-label', role: 'columnheader' }, 'Step'),
      h('div', { class: 'wf-track wf-axis', role: 'columnheader', 'aria-label': 'Time line' }, axis(span)),
      h('div', { class: 'wf-num', role: 'columnheader' }, 'Time'),
      h('div', { class: 'wf-num', role: 'columnheader' }, 'Tokens'),
      h('div', { class: 'wf-num', role: 'columnheader' }, 'Cost')),
    rows.map((row) => renderRow(row, { t0, span, taskId, onPath })));
}

function renderRow(row, { t0, span, taskId, onPath }) {
  const status = lower(row.status);
  const isStep = row.type === 'step';
  const seq = row.step?.seq ?? row.seq;
  const route = seq !== undefined && seq !== null ? path('tasks', taskId, 'steps', seq) : null;
  const failed = status === 'failed' || status === 'error';
  const wait = row.wait || WAITS.has(lower(row.kind));
  const from = Number.isFinite(row.start) ? ((row.start - t0) / span) * 100 : null;
  const to = Number.isFinite(row.end) ? ((row.end - t0) / span) * 100 : from;
  const clipped = from !== null && (from < 0 || to > 100);
  const left = from === null ? null : Math.min(Math.max(from, 0), 99.7);
  const width = from === null ? null : Math.max(Math.min(to, 100) - left, 0.3);
  const ms = Number.isFinite(row.start) && Number.isFinite(row.end) ? row.end - row.start : null;
  const highlighted = isStep && onPath.has(Number(seq));

  const bar = left === null ? null : h('div', {
    class: ['wf-bar', 'bar-' + (lower(row.kind) || 'span'), failed ? 'bar-failed' : null, wait ? 'bar-wait' : null, row.open ? 'bar-open' : null, clipped ? 'bar-clipped' : null],
    testid: 'waterfall-bar',
    dataset: { seq: seq ?? null, kind: row.type, status },
    style: { left: left.toFixed(3) + '%', width: Math.min(width, 100 - left).toFixed(3) + '%' },
    title: `${row.label} · ${duration(ms)} · starts at +${duration(row.start - t0)}`,
  });

  const label = h('div', { class: 'wf-label', role: 'cell' },
    h('span', { class: 'wf-indent', style: { width: (row.depth * 18) + 'px' } }),
    isStep ? h('span', { class: 'seq mono' }, '#' + seq) : null,
    isStep ? kindBadge(row.kind) : null,
    route && (isStep || row.type === 'wait')
      ? h('a', { href: '#' + route, class: 'wf-name', title: row.label }, row.label)
      : h('span', { class: 'wf-name', title: row.label }, row.label),
    row.notes.map((note) => h('span', { class: ['tag', note.warn ? 'tag-warn' : null] }, note.text)),
    row.type !== 'span' && (failed || row.type === 'wait' || (status && !['succeeded', 'ok'].includes(status))) ? statusBadge(status) : null,
    highlighted && !failed ? h('span', { class: 'tag tag-path', title: 'This step\'s output fed the failing step' }, 'error path') : null);

  return h('div', {
    class: ['wf-row', 'wf-' + row.type, failed ? 'wf-failed' : null, highlighted ? 'wf-on-path' : null],
    role: 'row',
    testid: isStep ? 'step-row' : row.type === 'span' ? 'span-row' : row.type === 'wait' ? 'wait-row' : 'task-span-row',
    dataset: { seq: seq ?? null, status, kind: lower(row.kind) || null, onErrorPath: highlighted ? 'true' : null },
    on: route ? { click: (event) => { if (!event.target.closest('a')) location.hash = route; } } : undefined,
  },
  label,
  h('div', { class: 'wf-track', role: 'cell' }, bar),
  h('div', { class: 'wf-num', role: 'cell' }, ms === null ? '—' : duration(ms)),
  h('div', { class: 'wf-num', role: 'cell' }, row.tokens ?? ''),
  h('div', { class: 'wf-num', role: 'cell' }, row.cost === null || row.cost === undefined ? '' : money(row.cost)));
}

/** Tick labels at 0, ¼, ½, ¾ and the end of the time line. */
function axis(span) {
  return [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', {
    class: 'tick',
    style: { left: (f * 100) + '%' },
  }, f === 0 ? '0' : duration(span * f)));
}

/** Flattens the task into rows: the task's own span, then each step with its spans under it, then waits. */
export function buildRows(detail, now = Date.now()) {
  const { task, steps = [], spans = [], approvals = [] } = detail;
  const rows = [];
  const taskStatus = lower(task.status);
  const open = !TERMINAL.has(taskStatus);
  const bySpanId = new Map(spans.map((s) => [s.span_id, s]));
  const children = new Map();
  for (const s of spans) {
    if (!s.parent_span_id || !bySpanId.has(s.parent_span_id)) continue;
    if (!children.has(s.parent_span_id)) children.set(s.parent_span_id, []);
    children.get(s.parent_span_id).push(s);
  }
  for (const list of children.values()) list.sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time));

  const stepSeqs = new Set(steps.map((s) => s.seq));
  const bySeq = new Map();
  for (const s of spans) {
    if (s.step_seq === null || s.step_seq === undefined) continue;
    if (!bySeq.has(s.step_seq)) bySeq.set(s.step_seq, []);
    bySeq.get(s.step_seq).push(s);
  }
  const roots = spans.filter((s) => (s.step_seq === null || s.step_seq === undefined) && (!s.parent_span_id || !bySpanId.has(s.parent_span_id)));
  const root = roots[0];
  const taskStart = root ? Date.parse(root.start_time) : Date.parse(task.started_at ?? task.created_at);
  const taskEnd = root && !open ? Date.parse(root.end_time) : task.ended_at ? Date.parse(task.ended_at) : open ? now : taskStart;
  rows.push({
    type: 'task', depth: 0, label: root?.name ?? `invoke_agent ${task.agent ?? ''}`.trim(), kind: 'task',
    status: taskStatus, start: taskStart, end: taskEnd, notes: [], open, tokens: null, cost: null,
  });

  const addSpanTree = (s, depth, seq) => {
    rows.push(spanRow(s, depth, seq));
    for (const child of children.get(s.span_id) ?? []) addSpanTree(child, depth + 1, seq);
  };

  for (const step of [...steps].sort((a, b) => a.seq - b.seq)) {
    const own = bySeq.get(step.seq) ?? [];
    const ownIds = new Set(own.map((o) => o.span_id));
    const tops = own.filter((s) => !s.parent_span_id || !ownIds.has(s.parent_span_id));
    const main = tops.length === 1 ? tops[0] : null;
    const stepOpen = !step.ended_at && open;
    const start = step.started_at ? Date.parse(step.started_at) : main ? Date.parse(main.start_time) : NaN;
    const end = step.ended_at ? Date.parse(step.ended_at) : main ? Date.parse(main.end_time) : stepOpen ? now : NaN;
    rows.push({
      type: 'step', depth: 1, step, seq: step.seq, kind: step.kind, label: stepLabel(step, main),
      status: step.status, start, end, open: stepOpen, notes: stepNotes(step, main),
      tokens: step.input_tokens || step.output_tokens ? `${count(step.input_tokens ?? 0)} / ${count(step.output_tokens ?? 0)}` : null,
      cost: step.cost_usd,
    });
    const nested = main ? children.get(main.span_id) ?? [] : tops;
    for (const s of nested) addSpanTree(s, 2, step.seq);
  }

  // Spans that belong to no step and are not the task's own (traces ingested from other frameworks).
  const loose = spans.filter((s) => s !== root && (s.step_seq === null || s.step_seq === undefined || !stepSeqs.has(s.step_seq))
    && (!s.parent_span_id || !bySpanId.has(s.parent_span_id) || bySpanId.get(s.parent_span_id) === root));
  for (const s of loose.sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time))) addSpanTree(s, 1, s.step_seq ?? null);

  // What the task waits for now: a decision, or a timer.
  for (const approval of approvals.filter((a) => lower(a.status) === 'pending' && !stepSeqs.has(a.seq))) {
    rows.push({
      type: 'wait', depth: 1, seq: approval.seq, kind: 'approval', wait: true, open: true,
      label: `waiting for approval${approval.request ? ': ' + oneLine(approval.request) : ''}`,
      status: 'waiting', start: Date.parse(approval.requested_at), end: now, notes: [], tokens: null, cost: null,
    });
  }
  if (taskStatus === 'waiting' && !approvals.some((a) => lower(a.status) === 'pending') && task.wake_at) {
    const last = Math.max(...rows.map((r) => r.end).filter(Number.isFinite));
    rows.push({
      type: 'wait', depth: 1, kind: 'timer', wait: true, open: true, label: `waiting until ${new Date(task.wake_at).toLocaleString()}`,
      status: 'waiting', start: last, end: Math.max(now, last), notes: [], tokens: null, cost: null,
    });
  }
  return rows;
}

function spanRow(s, depth, seq) {
  const attrs = s.attributes ?? {};
  const notes = [];
  if (attrs['keel.attempt'] !== undefined) notes.push({ text: 'attempt ' + attrs['keel.attempt'] });
  if (attrs['keel.deployment']) notes.push({ text: attrs['keel.deployment'] });
  if (attrs['error.type']) notes.push({ text: attrs['error.type'], warn: true });
  if (attrs['keel.retry_after_ms']) notes.push({ text: `retry after ${duration(attrs['keel.retry_after_ms'])}` });
  const input = attrs['gen_ai.usage.input_tokens'];
  const output = attrs['gen_ai.usage.output_tokens'];
  return {
    type: 'span', depth, span: s, seq, kind: 'span', label: s.name,
    status: lower(s.status) === 'error' ? 'failed' : 'ok',
    start: Date.parse(s.start_time), end: Date.parse(s.end_time), notes,
    tokens: input || output ? `${count(input ?? 0)} / ${count(output ?? 0)}` : null,
    cost: attrs['keel.cost_usd'] ?? null,
  };
}

function stepLabel(step, main) {
  if (main?.name) return main.name;
  return `${lower(step.kind)} ${step.name ?? ''}`.trim();
}

function stepNotes(step, main) {
  const notes = [];
  if (step.retries) notes.push({ text: `${step.retries} ${step.retries === 1 ? 'retry' : 'retries'}`, warn: true });
  if (step.fallbacks) notes.push({ text: `${step.fallbacks} ${step.fallbacks === 1 ? 'fallback' : 'fallbacks'}`, warn: true });
  const attrs = main?.attributes ?? {};
  if (attrs['keel.deployment']) notes.push({ text: attrs['keel.deployment'] });
  if (attrs['keel.reused_from']) notes.push({ text: 'reused' });
  if (attrs['keel.edited']) notes.push({ text: 'edited', warn: true });
  return notes;
}

function oneLine(text) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? flat.slice(0, 80) + '…' : flat;
}

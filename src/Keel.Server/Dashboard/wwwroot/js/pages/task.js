// Task: what it is, how it ended and why, and the waterfall of its steps. Kept live while the task runs.
import * as api from '../api.js';
import { decisionControls } from '../approval.js';
import { h, link, pre, replace } from '../dom.js';
import { ago, between, count, duration, lower, money, shortId, time } from '../format.js';
import { poll } from '../live.js';
import { path } from '../router.js';
import { crumbs, errorMessage, facts, loading, outcomeBadge, pageTitle, section, statusBadge } from '../ui.js';
import { waterfall } from '../waterfall.js';

const TERMINAL = new Set(['succeeded', 'failed']);

export function mount(root, route, { signal, title }) {
  const id = route.params.id;
  title('Task ' + shortId(id));
  // In reading order: what happened and why, what waits for a person, the time line, then the details.
  const parts = {
    head: h('div'), failure: h('div'), approvals: h('div'), waterfall: h('div'), summary: h('div'), io: h('div'),
    interventions: h('div'),
  };
  const shown = {}; // part -> JSON of what it shows, to leave unchanged parts alone
  let errorPath = [];
  let pathFor = null;
  let zoom = 'task';
  let latest = null; // the last answer, to redraw the time line when the zoom changes
  replace(root, crumbs([['Tasks', '/tasks'], [shortId(id, 20)]]), parts.head, loading(), ...Object.values(parts).slice(1));

  const poller = poll(load);
  load();
  return () => poller.stop();

  async function load() {
    let detail;
    try {
      detail = await api.get(`tasks/${api.seg(id)}`, {}, { signal });
    } catch (error) {
      if (signal.aborted) return;
      root.querySelector('.loading')?.remove();
      if (!shown.head) replace(parts.head, pageTitle('Task ' + shortId(id, 20)), errorMessage(error, { testid: 'task-error' }));
      return;
    }
    root.querySelector('.loading')?.remove();
    const failed = (detail.steps ?? []).filter((s) => lower(s.status) === 'failed');
    const last = failed[failed.length - 1];
    if (last && pathFor !== last.seq) {
      pathFor = last.seq;
      try {
        const step = await api.get(`tasks/${api.seg(id)}/steps/${last.seq}`, {}, { signal });
        errorPath = step.error_path ?? [];
      } catch { errorPath = []; }
    }

    latest = detail;
    show(detail);
  }

  function show(detail) {
    const failed = (detail.steps ?? []).filter((s) => lower(s.status) === 'failed');
    const last = failed[failed.length - 1];
    const status = lower(detail.task.status);
    update('head', detail.task, () => head(detail));
    update('failure', [detail.task.error, failed.map((s) => [s.seq, s.error])], () => failure(detail, last));
    update('summary', [detail.task, detail.cost, detail.outcome, detail.outcome_value], () => summary(detail));
    update('io', [detail.task.input, detail.task.output], () => io(detail.task));
    update('approvals', detail.approvals, () => approvals(detail, () => poller.now()));
    update('waterfall', [detail.steps, detail.spans, detail.approvals, status, errorPath, zoom, TERMINAL.has(status) ? null : Date.now()], () =>
      timeline(detail, errorPath, zoom, (next) => { zoom = next; show(latest); }));
    update('interventions', detail.interventions, () => interventions(detail.interventions ?? []));
    if (TERMINAL.has(status)) poller.stop();
  }

  function update(part, data, render) {
    const json = JSON.stringify(data);
    if (shown[part] === json) return;
    shown[part] = json;
    replace(parts[part], render());
  }
}

function head({ task }) {
  const status = lower(task.status);
  return pageTitle('Task',
    h('span', { class: 'title-id mono', testid: 'task-id' }, task.id),
    statusBadge(status, { testid: 'task-status', dataset: { status } }),
    outcomeBadge(task.outcome),
    task.agent ? h('span', { class: 'muted' }, task.agent) : null);
}

/** The waterfall, with a switch between the whole task and the time its steps worked. */
function timeline(detail, errorPath, zoom, setZoom) {
  const steps = zoom === 'steps';
  return h('section', { class: 'card', testid: 'timeline' },
    h('div', { class: 'card-head' },
      h('h2', {}, 'Timeline'),
      h('button', {
        type: 'button', class: 'link small', testid: 'waterfall-zoom', 'aria-pressed': String(steps),
        title: 'Waits for a person or a timer can dwarf the steps; zoom to the time the steps worked',
        on: { click: () => setZoom(steps ? 'task' : 'steps') },
      }, steps ? 'Show the whole task' : 'Zoom to the steps')),
    waterfall(detail, { errorPath, zoom }));
}

/** The answer to "why did it fail?": the failing step, its error, and a link to inspect it. */
function failure({ task, steps = [] }, last) {
  if (lower(task.status) !== 'failed' && !last) return null;
  const total = steps.length;
  return h('div', { class: 'callout callout-error', role: 'alert', testid: 'task-failure' },
    last
      ? [
        h('strong', {}, `Step ${last.seq} of ${total} failed`),
        ` (${lower(last.kind)} ${last.name ?? ''}): `,
        h('span', { testid: 'task-failure-error' }, last.error ?? task.error ?? 'no message'),
        ' ',
        link(path('tasks', task.id, 'steps', last.seq), `Inspect step ${last.seq} →`, { testid: 'failed-step-link', class: 'strong-link' }),
      ]
      : [h('strong', {}, 'The task failed: '), h('span', { testid: 'task-failure-error' }, task.error ?? 'no message')]);
}

function summary({ task, cost = {}, outcome, outcome_value: value }) {
  const ms = task.duration_ms ?? between(task.created_at, task.ended_at);
  return h('div', { class: 'grid-2' },
    section('Summary', facts([
      ['Agent', task.agent],
      ['Customer', task.customer_name ? h('span', { title: task.customer_id }, task.customer_name) : task.customer_id],
      ['Session', task.session_id ? link(path('sessions', task.session_id), task.session_id, { class: 'mono' }) : null],
      ['Created', h('span', { title: time(task.created_at) }, ago(task.created_at))],
      ['Ended', task.ended_at ? h('span', { title: time(task.ended_at) }, time(task.ended_at)) : null],
      ['Duration', ms === null ? null : duration(ms)],
      ['Steps', `${count(task.steps)} (${count(task.model_calls)} model calls)`],
      ['Retries / fallbacks', `${task.retries ?? 0} / ${task.fallbacks ?? 0}`],
      ['Tokens', `${count(task.input_tokens)} in / ${count(task.output_tokens)} out`],
      ['Outcome', outcome || task.outcome ? `${lower(outcome ?? task.outcome)}${value !== null && value !== undefined ? ' · value ' + money(value) : ''}` : null],
      ['Parent', task.parent_id ? link(path('tasks', task.parent_id), task.parent_id, { class: 'mono', testid: 'parent-link' }) : null],
      ['Forked from', task.forked_from ? link(path('tasks', task.forked_from), task.forked_from, { class: 'mono', testid: 'forked-from-link' }) : null],
      ['Wakes', task.wake_at ? `${time(task.wake_at)} (${ago(task.wake_at)})` : null],
      ['Worker', task.lease_owner],
    ]), { testid: 'task-summary' }),
    section('Cost', costBreakdown(cost, task.cost_usd), { testid: 'task-cost' }));
}

/** Model, tool and human cost as a stacked bar and the figures. */
function costBreakdown(cost, fallbackTotal) {
  const parts = [['model', cost.model_usd], ['tool', cost.tool_usd], ['human', cost.human_usd]];
  const total = cost.total_usd ?? fallbackTotal ?? parts.reduce((sum, [, v]) => sum + (v ?? 0), 0);
  return h('div', {},
    h('p', { class: 'big-number', testid: 'task-cost-total' }, money(total)),
    total > 0 ? h('div', { class: 'stack-bar', 'aria-hidden': 'true' },
      parts.filter(([, v]) => v > 0).map(([k, v]) => h('span', { class: 'seg-' + k, style: { width: ((v / total) * 100).toFixed(2) + '%' }, title: `${k} ${money(v)}` }))) : null,
    facts(parts.map(([k, v]) => [h('span', {}, h('span', { class: ['swatch', 'seg-' + k] }), ' ' + k), money(v ?? 0)])));
}

function io(task) {
  return h('div', { class: 'grid-2' },
    section('Input', pre(task.input, { testid: 'task-input' })),
    section(task.error && !task.output ? 'Error' : 'Output',
      task.error && !task.output ? h('pre', { class: 'block error-text', testid: 'task-output' }, task.error) : pre(task.output, { testid: 'task-output' })));
}

function approvals({ task, approvals: list = [] }, refresh) {
  if (list.length === 0) return null;
  return section('Approvals', h('ul', { class: 'plain-list' }, list.map((a) => {
    const pending = lower(a.status) === 'pending';
    return h('li', { class: ['approval', pending ? 'approval-pending' : null], testid: 'task-approval', dataset: { seq: a.seq, status: lower(a.status) } },
      h('div', { class: 'approval-head' },
        statusBadge(a.status),
        ' ',
        link(path('tasks', task.id, 'steps', a.seq), `step ${a.seq}`),
        h('span', { class: 'muted small' }, ` · requested ${ago(a.requested_at)}`,
          a.timeout_at && pending ? ` · times out ${ago(a.timeout_at)}` : '',
          a.decided_by ? ` · decided by ${a.decided_by} ${ago(a.decided_at)}` : '',
          a.note ? ` · “${a.note}”` : '')),
      pre(a.request),
      pending ? decisionControls(task.id, a, refresh) : null);
  })), { testid: 'task-approvals' });
}

function interventions(list) {
  if (list.length === 0) return null;
  return section('Human time', h('table', { class: 'compact' },
    h('thead', {}, h('tr', {}, ['When', 'Step', 'Who', 'Kind', 'Decision / note', 'Time'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, list.map((i) => h('tr', { testid: 'intervention-row' },
      h('td', {}, time(i.started_at ?? i.created_at)),
      h('td', {}, i.step_seq ?? i.seq ?? '—'),
      h('td', {}, i.actor ?? i.by ?? '—'),
      h('td', {}, lower(i.kind) || '—'),
      h('td', {}, [i.decision, i.note].filter(Boolean).join(' · ') || '—'),
      h('td', { class: 'num' }, seconds(i)))))),
  { testid: 'task-interventions' });
}

function seconds(i) {
  const value = i.seconds ?? i.human_seconds ?? (i.started_at && i.ended_at ? between(i.started_at, i.ended_at) / 1000 : null);
  return value === null || value === undefined ? '—' : duration(value * 1000);
}

// Approvals: the decisions tasks wait for, with Approve / Reject. A decided task stays in view below the list
// while it resumes, so the reviewer sees it run on (running, then succeeded or failed).
import * as api from '../api.js';
import { decisionControls, reviewerField } from '../approval.js';
import { h, link, replace } from '../dom.js';
import { ago, lower, shortId, time } from '../format.js';
import { poll } from '../live.js';
import { path, replaceQuery } from '../router.js';
import { empty, errorMessage, pageTitle, section, statusBadge } from '../ui.js';

const TERMINAL = new Set(['succeeded', 'failed']);

export function mount(root, route, { signal, title }) {
  title('Approvals');
  let filter = route.query.get('status') === 'all' ? 'all' : 'pending';
  const rows = new Map(); // key -> { json, el }
  let generation = 0; // bumped when the filter changes, so an answer for the old filter is dropped
  const decided = new Map(); // key -> { approval, approved, status, el }
  const list = h('div', { class: 'approval-list', testid: 'approval-list' });
  const problem = h('div');
  const summary = h('p', { class: 'muted', role: 'status', testid: 'approvals-summary' });
  const decidedList = h('div', { class: 'approval-list', testid: 'decided-list' });
  const decidedSection = section('Decided here', decidedList, { testid: 'decided', hidden: true });
  const select = h('select', { testid: 'approvals-filter', id: 'approvals-filter', on: { change: () => { filter = select.value; replaceQuery({ status: filter === 'all' ? 'all' : '' }); reset(); } } },
    h('option', { value: 'pending', selected: filter === 'pending' }, 'waiting for a decision'),
    h('option', { value: 'all', selected: filter === 'all' }, 'all'));

  replace(root,
    pageTitle('Approvals'),
    h('div', { class: 'toolbar' },
      h('label', { class: 'field inline' }, h('span', {}, 'Show'), select),
      reviewerField()),
    problem,
    summary,
    list,
    decidedSection);

  const poller = poll(refresh);
  refresh();
  return () => poller.stop();

  function reset() {
    generation++;
    rows.clear();
    list.replaceChildren();
    poller.now();
  }

  async function refresh() {
    await Promise.all([refreshList(), refreshDecided()]);
  }

  async function refreshList() {
    const mine = generation;
    let data;
    try {
      data = await api.get('approvals', { status: filter }, { signal });
    } catch (error) {
      if (!signal.aborted) replace(problem, errorMessage(error, { testid: 'approvals-error' }));
      return;
    }
    if (mine !== generation) return;
    replace(problem);
    const approvals = data.approvals ?? [];
    const keys = new Set();
    approvals.forEach((a, i) => {
      const key = `${a.task_id}#${a.seq}`;
      keys.add(key);
      if (decided.has(key) && lower(a.status) === 'pending') return; // decided here a moment ago; the list catches up
      const json = JSON.stringify(a);
      const existing = rows.get(key);
      if (existing && existing.json === json) return;
      const el = approvalRow(a);
      if (existing) existing.el.replaceWith(el);
      else {
        const next = list.children[i];
        if (next) next.before(el); else list.append(el);
      }
      rows.set(key, { json, el });
    });
    for (const [key, { el }] of rows) {
      if (!keys.has(key) || (decided.has(key) && filter === 'pending')) { el.remove(); rows.delete(key); }
    }
    const pending = approvals.filter((a) => lower(a.status) === 'pending').length;
    summary.textContent = filter === 'pending'
      ? (rows.size === 0 ? 'Nothing is waiting for a decision.' : `${rows.size} waiting for a decision.`)
      : `${approvals.length} approvals, ${pending} waiting.`;
    summary.classList.toggle('empty', rows.size === 0);
  }

  /** Follows each task decided on this page until it has finished. */
  async function refreshDecided() {
    await Promise.all([...decided.entries()].filter(([, d]) => !TERMINAL.has(d.status)).map(async ([key, d]) => {
      try {
        const detail = await api.get(`tasks/${api.seg(d.approval.task_id)}`, {}, { signal });
        const status = lower(detail.task.status);
        if (status !== d.status) {
          d.status = status;
          const el = decidedRow(d);
          d.el.replaceWith(el);
          d.el = el;
          decided.set(key, d);
        }
      } catch { /* shown as it was; tried again in 2 s */ }
    }));
  }

  function approvalRow(a) {
    const status = lower(a.status);
    const pending = status === 'pending';
    return h('article', { class: ['approval', 'approval-card', pending ? 'approval-pending' : null], testid: 'approval-row', dataset: { taskId: a.task_id, seq: a.seq, status } },
      h('div', { class: 'approval-body' },
        h('div', { class: 'approval-request', testid: 'approval-request' }, a.request || '(no request text)'),
        h('div', { class: 'approval-meta muted small' },
          statusBadge(status),
          a.agent ? h('span', {}, a.agent) : null,
          a.customer_id ? h('span', { title: a.customer_id }, 'customer ' + shortId(a.customer_id, 16)) : null,
          h('span', {}, link(path('tasks', a.task_id), shortId(a.task_id, 18), { class: 'mono', title: a.task_id, testid: 'approval-task-link' }),
            ' step ', link(path('tasks', a.task_id, 'steps', a.seq), String(a.seq))),
          h('span', { title: time(a.requested_at) }, 'asked ' + ago(a.requested_at)),
          a.timeout_at && pending ? h('span', { title: time(a.timeout_at) }, 'times out ' + ago(a.timeout_at)) : null,
          a.decided_by ? h('span', {}, `decided by ${a.decided_by}`) : null)),
      pending ? decisionControls(a.task_id, a, (result) => onDecided(a, result)) : null);
  }

  function onDecided(a, { approved, conflict }) {
    const key = `${a.task_id}#${a.seq}`;
    if (!conflict) {
      const d = { approval: a, approved, status: 'waiting', el: null };
      d.el = decidedRow(d);
      decided.set(key, d);
      decidedList.prepend(d.el);
      decidedSection.hidden = false;
      const row = rows.get(key);
      if (row && filter === 'pending') { row.el.remove(); rows.delete(key); }
    }
    poller.now();
  }

  function decidedRow(d) {
    const a = d.approval;
    const done = TERMINAL.has(d.status);
    return h('article', { class: 'approval decided', testid: 'decided-row', dataset: { taskId: a.task_id, seq: a.seq, taskStatus: d.status } },
      h('div', { class: 'approval-head' },
        statusBadge(d.approved ? 'approved' : 'rejected'),
        ' ',
        link(path('tasks', a.task_id), shortId(a.task_id, 16), { class: 'mono', title: a.task_id }),
        h('span', { class: 'muted' }, ' · step ' + a.seq + ' · task '),
        statusBadge(d.status, { testid: 'decided-task-status' }),
        h('span', { class: 'muted small' }, done ? ' · finished' : ' · resuming…')));
  }
}

// Tasks: a filterable list, newest first, kept live (new tasks appear at the top, running ones update in place)
// without moving what the reader is looking at; "Load more" pages back by keyset.
import * as api from '../api.js';
import { h, replace } from '../dom.js';
import { ago, count, duration, lower, money, shortId, time } from '../format.js';
import { poll } from '../live.js';
import { path, replaceQuery } from '../router.js';
import { errorMessage, pageTitle, statusBadge } from '../ui.js';

const PAGE_SIZE = 50;
const STATUSES = ['pending', 'running', 'waiting', 'succeeded', 'failed'];
const TEXT_FILTERS = [
  ['agent', 'Agent', 'support'],
  ['model', 'Model', 'sim-default'],
  ['customer', 'Customer', 'customer id'],
  ['session', 'Session', 'session id'],
];
const FILTER_KEYS = ['q', 'status', 'agent', 'model', 'customer', 'session', 'min_cost', 'max_cost', 'from', 'to'];

export function mount(root, route, { signal, title }) {
  title('Tasks');
  const filters = Object.fromEntries(FILTER_KEYS.map((key) => [key, route.query.get(key) ?? '']));
  const rows = new Map(); // id -> { task, tr }
  let order = []; // ids, newest first
  let cursor = null;
  let generation = 0;
  let debounce = null;

  const tbody = h('tbody', { testid: 'task-rows' });
  const summary = h('p', { class: 'muted', testid: 'task-summary', role: 'status' });
  const live = h('span', { class: 'live', testid: 'live-status' }, 'live');
  const problem = h('div');
  const more = h('button', { type: 'button', class: 'secondary', testid: 'load-more', hidden: true, on: { click: loadMore } }, 'Load more');
  const agents = h('datalist', { id: 'agent-options' });
  const form = filterForm();

  replace(root,
    pageTitle('Tasks', live),
    form,
    problem,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'tasks', testid: 'task-table' },
        h('caption', { class: 'visually-hidden' }, 'Tasks, newest first'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Task'),
          h('th', { scope: 'col' }, 'Agent'),
          h('th', { scope: 'col' }, 'Customer'),
          h('th', { scope: 'col' }, 'Session'),
          h('th', { scope: 'col', class: 'num' }, 'Steps'),
          h('th', { scope: 'col', class: 'num', title: 'retries / fallbacks' }, 'Retries'),
          h('th', { scope: 'col', class: 'num', title: 'input / output tokens' }, 'Tokens'),
          h('th', { scope: 'col', class: 'num' }, 'Cost'),
          h('th', { scope: 'col', class: 'num' }, 'Duration'),
          h('th', { scope: 'col' }, 'Created'))),
        tbody)),
    summary,
    h('div', { class: 'center' }, more),
    agents);

  const poller = poll(refresh);
  reload();
  return () => { poller.stop(); clearTimeout(debounce); };

  function filterForm() {
    const onText = () => { clearTimeout(debounce); debounce = setTimeout(apply, 300); };
    const text = (name, label, placeholder, attrs = {}) => h('label', { class: 'field' },
      h('span', {}, label),
      h('input', { type: 'search', name, value: filters[name], placeholder, testid: 'filter-' + name.replace('_', '-'), on: { input: onText }, ...attrs }));
    const number = (name, label) => h('label', { class: 'field narrow' },
      h('span', {}, label),
      h('input', { type: 'number', name, min: '0', step: 'any', value: filters[name], placeholder: '$', testid: 'filter-' + name.replace('_', '-'), on: { input: onText } }));
    const when = (name, label) => h('label', { class: 'field' },
      h('span', {}, label),
      h('input', { type: 'datetime-local', name, value: toLocalInput(filters[name]), testid: 'filter-' + name, on: { change: apply } }));

    return h('form', { class: 'filters', role: 'search', testid: 'task-filters', 'aria-label': 'Filter tasks', on: { submit: (e) => { e.preventDefault(); apply(); } } },
      h('label', { class: 'field wide' },
        h('span', {}, 'Search'),
        h('input', { type: 'search', name: 'q', value: filters.q, placeholder: 'task id or words in the input', testid: 'filter-q', on: { input: onText } })),
      h('label', { class: 'field' },
        h('span', {}, 'Status'),
        h('select', { name: 'status', testid: 'filter-status', on: { change: apply } },
          h('option', { value: '' }, 'any'),
          STATUSES.map((s) => h('option', { value: s, selected: filters.status === s }, s)))),
      TEXT_FILTERS.map(([name, label, placeholder]) => text(name, label, placeholder, name === 'agent' ? { list: 'agent-options' } : {})),
      number('min_cost', 'Cost from'),
      number('max_cost', 'to'),
      when('from', 'Created after'),
      when('to', 'before'),
      h('div', { class: 'field actions' },
        h('button', { type: 'button', class: 'link', testid: 'filter-clear', on: { click: clearFilters } }, 'Clear filters')));
  }

  function apply() {
    for (const key of FILTER_KEYS) {
      const input = form.elements.namedItem(key);
      if (!input) continue;
      filters[key] = input.type === 'datetime-local' ? fromLocalInput(input.value) : input.value.trim();
    }
    replaceQuery(filters);
    reload();
  }

  function clearFilters() {
    for (const key of FILTER_KEYS) {
      const input = form.elements.namedItem(key);
      if (input) input.value = '';
    }
    apply();
  }

  function query(extra = {}) {
    return { ...filters, limit: PAGE_SIZE, ...extra };
  }

  /** A new filter: start the list again. */
  async function reload() {
    const mine = ++generation;
    root.setAttribute('aria-busy', 'true');
    try {
      const page = await api.get('tasks', query(), { signal });
      if (mine !== generation) return;
      rows.clear();
      order = [];
      tbody.replaceChildren();
      addAtEnd(page.tasks ?? []);
      cursor = page.next_cursor ?? null;
      replace(problem);
      describe(page.total_estimate, page.total_capped);
    } catch (error) {
      if (mine !== generation || signal.aborted) return;
      replace(problem, errorMessage(error, { testid: 'tasks-error' }));
      describe(null);
    } finally {
      if (mine === generation) root.removeAttribute('aria-busy');
    }
  }

  /** Every 2 s: the first page again, merged into what is shown. */
  async function refresh() {
    const mine = generation;
    try {
      const page = await api.get('tasks', query(), { signal });
      if (mine !== generation) return;
      merge(page.tasks ?? [], page.next_cursor ?? null);
      live.classList.remove('stale');
      live.textContent = 'live';
      live.title = 'Updated ' + time(new Date().toISOString());
      describe(page.total_estimate, page.total_capped);
    } catch (error) {
      if (signal.aborted) return;
      live.classList.add('stale');
      live.textContent = error.status === 401 ? 'signed out' : 'reconnecting…';
    }
  }

  async function loadMore() {
    if (!cursor) return;
    more.disabled = true;
    const mine = generation;
    try {
      const page = await api.get('tasks', query({ cursor }), { signal });
      if (mine !== generation) return;
      addAtEnd((page.tasks ?? []).filter((t) => !rows.has(t.id)));
      cursor = page.next_cursor ?? null;
      describe(page.total_estimate, page.total_capped);
    } catch (error) {
      if (!signal.aborted) replace(problem, errorMessage(error));
    } finally {
      more.disabled = false;
    }
  }

  function addAtEnd(tasks) {
    for (const task of tasks) {
      const tr = renderRow(task);
      rows.set(task.id, { task, tr });
      order.push(task.id);
      tbody.append(tr);
      noteAgent(task.agent);
    }
  }

  /**
   * Updates changed rows in place, puts new tasks where they belong (at the top, usually) and drops shown rows that
   * the first page now covers but no longer holds: they stopped matching the filter (a running task finished).
   */
  function merge(fresh, nextCursor) {
    const freshIds = new Set(fresh.map((t) => t.id));
    const last = fresh[fresh.length - 1];
    const covered = (task) => nextCursor === null || (last && newer(task, last) >= 0);
    for (const id of [...order]) {
      const entry = rows.get(id);
      if (!freshIds.has(id) && covered(entry.task)) {
        entry.tr.remove();
        rows.delete(id);
        order = order.filter((x) => x !== id);
      }
    }

    for (const task of fresh) {
      const entry = rows.get(task.id);
      if (entry) {
        if (JSON.stringify(entry.task) !== JSON.stringify(task)) {
          const tr = renderRow(task);
          entry.tr.replaceWith(tr);
          rows.set(task.id, { task, tr });
        }
        continue;
      }

      const tr = renderRow(task);
      tr.classList.add('arrived');
      const at = order.findIndex((id) => newer(task, rows.get(id).task) > 0);
      if (at < 0) { tbody.append(tr); order.push(task.id); } else { rows.get(order[at]).tr.before(tr); order.splice(at, 0, task.id); }
      rows.set(task.id, { task, tr });
      noteAgent(task.agent);
    }
    if (order.length === 0 && !cursor) cursor = nextCursor;
    describe();
  }

  function describe(estimate, capped) {
    if (estimate !== undefined) {
      summary.dataset.total = estimate ?? '';
      summary.dataset.capped = capped ? 'true' : '';
    }
    const total = summary.dataset.total;
    const about = summary.dataset.capped ? 'more than' : 'about';
    const shown = order.length;
    more.hidden = !cursor;
    if (shown === 0) {
      summary.textContent = Object.values(filters).some(Boolean) ? 'No tasks match these filters.' : 'No tasks yet. Run `keel demo` or send a call through the gateway.';
      summary.classList.add('empty');
      return;
    }
    summary.classList.remove('empty');
    summary.textContent = !cursor ? `All ${shown.toLocaleString()} matching tasks shown.`
      : total ? `Showing ${shown.toLocaleString()} of ${about} ${Number(total).toLocaleString()} tasks.` : `Showing ${shown.toLocaleString()} tasks.`;
  }

  function noteAgent(agent) {
    if (!agent || [...agents.options].some((o) => o.value === agent)) return;
    agents.append(h('option', { value: agent }));
  }
}

/** One task as a table row; the whole row opens the task, the links in it go where they say. */
function renderRow(task) {
  const status = lower(task.status);
  const route = path('tasks', task.id);
  const elapsed = task.duration_ms ?? (['running', 'waiting', 'pending'].includes(status) && task.created_at ? Date.now() - Date.parse(task.created_at) : null);
  const tr = h('tr', {
    class: ['task-row', 'row-' + status],
    testid: 'task-row',
    dataset: { taskId: task.id, status },
    on: {
      click: (event) => {
        if (event.target.closest('a, button') || window.getSelection()?.toString()) return;
        location.hash = route;
      },
    },
  },
  h('td', { dataset: { col: 'status' } }, statusBadge(status), task.outcome ? h('span', { class: 'muted small' }, ' · ' + lower(task.outcome)) : null),
  h('td', { dataset: { col: 'id' }, class: 'task-cell' },
    h('a', { href: '#' + route, class: 'mono', title: task.id, testid: 'task-link' }, shortId(task.id, 26)),
    task.forked_from ? h('span', { class: 'tag', title: 'forked from ' + task.forked_from }, 'fork') : null,
    task.parent_id ? h('span', { class: 'tag', title: 'child of ' + task.parent_id }, 'child') : null,
    task.error ? h('div', { class: 'row-error', title: task.error }, task.error) : null),
  h('td', { dataset: { col: 'agent' } }, task.agent ?? '—'),
  h('td', { dataset: { col: 'customer' }, title: task.customer_id ?? '' }, task.customer_name || shortId(task.customer_id)),
  h('td', { dataset: { col: 'session' } }, task.session_id
    ? h('a', { href: '#' + path('sessions', task.session_id), class: 'mono', title: task.session_id }, shortId(task.session_id, 10))
    : h('span', { class: 'muted' }, '—')),
  h('td', { class: 'num', dataset: { col: 'steps' }, title: `${task.model_calls ?? 0} model calls` }, count(task.steps)),
  h('td', { class: ['num', (task.retries || task.fallbacks) ? 'warn-text' : null], dataset: { col: 'retries' }, title: 'retries / fallbacks' }, `${task.retries ?? 0} / ${task.fallbacks ?? 0}`),
  h('td', { class: 'num', dataset: { col: 'tokens' } }, `${count(task.input_tokens)} / ${count(task.output_tokens)}`),
  h('td', { class: 'num', dataset: { col: 'cost' } }, money(task.cost_usd)),
  h('td', { class: 'num', dataset: { col: 'duration' } }, duration(elapsed)),
  h('td', { dataset: { col: 'created' }, title: time(task.created_at) }, ago(task.created_at)));
  return tr;
}

/** Keyset order of the list: created_at, then id, both descending. >0 when a is newer than b. */
function newer(a, b) {
  const ta = Date.parse(a.created_at);
  const tb = Date.parse(b.created_at);
  if (ta !== tb) return ta - tb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function fromLocalInput(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

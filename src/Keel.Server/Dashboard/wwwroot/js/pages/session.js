// Session: its tasks in the order they ran, and the conversation they share.
import * as api from '../api.js';
import { foldable } from '../context.js';
import { h, link, replace } from '../dom.js';
import { ago, count, duration, lower, money, shortId, time } from '../format.js';
import { poll } from '../live.js';
import { path } from '../router.js';
import { crumbs, empty, errorMessage, facts, loading, pageTitle, section, statusBadge } from '../ui.js';

export function mount(root, route, { signal, title }) {
  const { id } = route.params;
  title('Session ' + shortId(id));
  const body = h('div', { class: 'stack' }, loading());
  replace(root, crumbs([['Tasks', '/tasks'], ['Session ' + shortId(id, 20)]]), pageTitle('Session ' + shortId(id, 24)), body);
  let shown = null;
  const poller = poll(load);
  load();
  return () => poller.stop();

  async function load() {
    let data;
    try {
      data = await api.get(`sessions/${api.seg(id)}`, {}, { signal });
    } catch (error) {
      if (!signal.aborted && shown === null) replace(body, errorMessage(error, { testid: 'session-error' }));
      return;
    }
    const json = JSON.stringify(data);
    if (json === shown) return;
    shown = json;
    render(data);
  }

  function render({ session = {}, tasks = [], messages = [] }) {
    const total = tasks.reduce((sum, t) => sum + (Number(t.cost_usd) || 0), 0);
    replace(body,
      section(null, facts([
        ['Session', h('span', { class: 'mono' }, session.id ?? id)],
        ['Customer', session.customer_id],
        ['Tasks', count(tasks.length)],
        ['Messages', count(messages.length)],
        ['Cost', money(total)],
      ]), { testid: 'session-facts' }),
      section(`Tasks in order (${tasks.length})`, tasks.length === 0 ? empty('No tasks in this session yet.') : h('table', { class: 'compact', testid: 'session-tasks' },
        h('thead', {}, h('tr', {}, ['#', 'Status', 'Task', 'Agent', 'Steps', 'Cost', 'Duration', 'Created'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, tasks.map((t, i) => h('tr', { testid: 'session-task-row', dataset: { taskId: t.id, status: lower(t.status) } },
          h('td', { class: 'muted' }, String(i + 1)),
          h('td', {}, statusBadge(t.status)),
          h('td', {}, link(path('tasks', t.id), shortId(t.id, 16), { class: 'mono', title: t.id }),
            t.error ? h('div', { class: 'row-error', title: t.error }, t.error) : null),
          h('td', {}, t.agent ?? '—'),
          h('td', { class: 'num' }, count(t.steps)),
          h('td', { class: 'num' }, money(t.cost_usd)),
          h('td', { class: 'num' }, duration(t.duration_ms)),
          h('td', { title: time(t.created_at) }, ago(t.created_at))))))),
      section(`Conversation (${messages.length})`, messages.length === 0 ? empty('No messages kept in this session.') : h('div', { class: 'messages', testid: 'session-messages' },
        messages.map((m) => h('article', { class: ['message', 'role-' + lower(m.role)], testid: 'session-message', dataset: { seq: m.seq, role: lower(m.role) } },
          h('header', {},
            h('span', { class: 'role' }, lower(m.role)),
            h('span', { class: 'muted small' }, time(m.created_at)),
            m.task_id ? link(path('tasks', m.task_id), 'task ' + shortId(m.task_id, 10), { class: 'small mono' }) : null),
          foldable(m.text, { class: 'block message-text' }))))));
  }
}

// Costs: what was spent per day, model, agent and customer, split into model, tool and human time; and budgets.
import * as api from '../api.js';
import { bars, columns, legend, PARTS, total } from '../charts.js';
import { h, replace } from '../dom.js';
import { count, lower, money } from '../format.js';
import { poll } from '../live.js';
import { replaceQuery } from '../router.js';
import { empty, errorMessage, loading, pageTitle, section } from '../ui.js';

const RANGES = [['7', 'last 7 days'], ['30', 'last 30 days'], ['90', 'last 90 days'], ['all', 'all time']];
const REFRESH_MS = 10_000;

export function mount(root, route, { signal, title }) {
  title('Costs');
  let range = RANGES.some(([v]) => v === route.query.get('days')) ? route.query.get('days') : '30';
  const select = h('select', { id: 'costs-since', testid: 'costs-since', on: { change: () => { range = select.value; replaceQuery({ days: range === '30' ? '' : range }); load(); } } },
    RANGES.map(([v, label]) => h('option', { value: v, selected: v === range }, label)));
  const body = h('div', { class: 'stack' }, loading());
  replace(root, pageTitle('Costs', h('label', { class: 'field inline' }, h('span', {}, 'Since'), select)), body);
  let shown = null;
  let generation = 0;
  const poller = poll(load, REFRESH_MS);
  load();
  return () => poller.stop();

  async function load() {
    const mine = ++generation;
    const since = range === 'all' ? '' : new Date(Date.now() - Number(range) * 86_400_000).toISOString().slice(0, 10) + 'T00:00:00Z';
    let answers;
    try {
      answers = await Promise.all([
        ...['day', 'model', 'agent', 'customer'].map((by) => api.get('costs', { by, since }, { signal })),
        api.get('budgets', {}, { signal }).catch((error) => ({ error })),
      ]);
    } catch (error) {
      if (!signal.aborted && mine === generation && shown === null) replace(body, errorMessage(error, { testid: 'costs-error' }));
      return;
    }
    if (mine !== generation) return;
    const json = JSON.stringify(answers);
    if (json === shown) return;
    shown = json;
    render(answers, since);
  }

  function render([byDay, byModel, byAgent, byCustomer, budgets], since) {
    const totals = byDay.total ?? sum(byDay.rows ?? []);
    const all = total(totals);
    replace(body,
      h('div', { class: 'tiles', testid: 'cost-totals' },
        tile('Total', money(all), 'cost-total'),
        PARTS.map(([key, field, label]) => tile(label, money(totals[field] ?? 0), 'cost-' + key,
          all > 0 ? `${Math.round(((Number(totals[field]) || 0) / all) * 100)} %` : null, key)),
        tile('Tasks', count(totals.tasks ?? 0), 'cost-tasks'),
        tile('Per successful outcome', totals.successful_outcomes ? money(all / totals.successful_outcomes) : '—', 'cost-per-outcome',
          totals.successful_outcomes ? `${count(totals.successful_outcomes)} successes` : 'no outcomes reported')),
      section('By day', h('div', {}, legend(), (byDay.rows ?? []).length === 0
        ? empty('No cost in this period.')
        : [columns(fillDays(byDay.rows ?? [], since), { 'data-testid': 'cost-chart-day', label: 'Cost per day, split into model, tool and human time' }), dayTable(byDay.rows ?? [])]), { testid: 'costs-by-day' }),
      h('div', { class: 'grid-2' },
        section('By model', bars(byModel.rows ?? [], { testid: 'cost-chart-model' }), { testid: 'costs-by-model' }),
        section('By agent', bars(byAgent.rows ?? [], { testid: 'cost-chart-agent' }), { testid: 'costs-by-agent' })),
      // A customer's key sees one customer: a chart of one bar says nothing.
      (byCustomer.rows ?? []).length > 1 || document.querySelector('[data-testid="whoami"]')?.dataset.role !== 'customer' ? section('By customer', bars(byCustomer.rows ?? [], { testid: 'cost-chart-customer' }), { testid: 'costs-by-customer' }) : null,
      section('Budgets', budgetTable(budgets), { testid: 'budgets' }));
  }
}

/** The figures behind the day chart, for reading them exactly (and for screen readers). */
function dayTable(rows) {
  return h('details', { class: 'figures' },
    h('summary', {}, 'Show the figures'),
    h('table', { class: 'compact', testid: 'cost-day-table' },
      h('thead', {}, h('tr', {}, ['Day', 'Model', 'Tools', 'Human', 'Total', 'Tasks'].map((t, i) => h('th', { scope: 'col', class: i ? 'num' : null }, t)))),
      h('tbody', {}, [...rows].sort((a, b) => String(b.key).localeCompare(String(a.key))).map((r) => h('tr', {},
        h('td', {}, String(r.key).slice(0, 10)),
        h('td', { class: 'num' }, money(r.model_usd)),
        h('td', { class: 'num' }, money(r.tool_usd)),
        h('td', { class: 'num' }, money(r.human_usd)),
        h('td', { class: 'num' }, money(total(r))),
        h('td', { class: 'num' }, count(r.tasks ?? 0)))))));
}

function tile(label, value, testid, note, part) {
  return h('div', { class: 'tile', testid },
    h('div', { class: 'tile-label' }, part ? h('span', { class: ['swatch', 'seg-' + part] }) : null, label),
    h('div', { class: 'tile-value' }, value),
    note ? h('div', { class: 'tile-note muted small' }, note) : null);
}

function budgetTable(answer) {
  if (answer?.error) return errorMessage(answer.error);
  const list = answer?.budgets ?? [];
  if (list.length === 0) return empty('No budgets. Set one with `keel budgets set`.');
  return h('table', { class: 'compact', testid: 'budget-table' },
    h('thead', {}, h('tr', {}, ['Scope', 'Applies to', 'Customer', 'Period', 'Spent', 'Limit', 'Used'].map((t) => h('th', { scope: 'col', class: ['Spent', 'Limit'].includes(t) ? 'num' : null }, t)))),
    h('tbody', {}, list.map((b) => {
      const used = b.limit_usd > 0 ? (b.spent_usd / b.limit_usd) * 100 : 0;
      const level = used >= 100 ? 'over' : used >= 80 ? 'near' : 'ok';
      return h('tr', { testid: 'budget-row', dataset: { scope: lower(b.scope), level } },
        h('td', {}, lower(b.scope)),
        h('td', { class: 'mono' }, b.scope_id ?? '—'),
        h('td', {}, b.customer_id ?? '—'),
        h('td', {}, lower(b.period)),
        h('td', { class: 'num' }, money(b.spent_usd)),
        h('td', { class: 'num' }, money(b.limit_usd)),
        h('td', { class: 'used' },
          h('span', { class: ['meter', 'meter-' + level], role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.round(used)), 'aria-label': `${Math.round(used)} % used` },
            h('span', { style: { width: Math.min(100, used).toFixed(1) + '%' } })),
          h('span', { class: 'small' }, ` ${used.toFixed(used < 10 ? 1 : 0)} %`)));
    })));
}

function sum(rows) {
  const out = { model_usd: 0, tool_usd: 0, human_usd: 0, total_usd: 0, tasks: 0, successful_outcomes: 0 };
  for (const r of rows) for (const k of Object.keys(out)) out[k] += Number(r[k]) || 0;
  return out;
}

/** Days with no cost as zero columns, so the time axis is even. */
function fillDays(rows, since) {
  const byKey = new Map(rows.map((r) => [String(r.key).slice(0, 10), r]));
  const keys = [...byKey.keys()].sort();
  if (keys.length === 0) return rows;
  const first = since ? since.slice(0, 10) : keys[0];
  const last = new Date().toISOString().slice(0, 10) > keys[keys.length - 1] ? new Date().toISOString().slice(0, 10) : keys[keys.length - 1];
  const out = [];
  for (let t = Date.parse(first + 'T00:00:00Z'); t <= Date.parse(last + 'T00:00:00Z') && out.length < 400; t += 86_400_000) {
    const key = new Date(t).toISOString().slice(0, 10);
    out.push(byKey.get(key) ?? { key, model_usd: 0, tool_usd: 0, human_usd: 0, total_usd: 0 });
  }
  return out;
}

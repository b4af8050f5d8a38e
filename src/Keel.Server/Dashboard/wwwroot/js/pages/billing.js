// Billing: the invoices (draft, finalized, void) with a total per currency, and the margin of a month by customer,
// plan or agent. Amounts are in each invoice's own currency, printed with that currency's minor units (¥1,235, $12.50,
// KWD 1.235); money in different currencies is never added up.
import * as api from '../api.js';
import { h, replace } from '../dom.js';
import { count, lower } from '../format.js';
import { poll } from '../live.js';
import { path, replaceQuery } from '../router.js';
import { empty, errorMessage, loading, pageTitle, section } from '../ui.js';

const REFRESH_MS = 10_000;
const STATUSES = [['', 'all'], ['draft', 'draft'], ['finalized', 'finalized'], ['void', 'void']];
const GROUPINGS = [['customer', 'customer'], ['plan', 'plan'], ['agent', 'agent']];

/** An amount in its currency with exactly the currency's minor units: amount(1234.5, 'JPY', 0) is "¥1,235". */
export function amount(value, currency, minorUnits) {
  if (value === null || value === undefined || value === '' || Number.isNaN(Number(value))) return '—';
  const digits = Number.isInteger(minorUnits) ? minorUnits : 2;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(Number(value));
  } catch {
    return `${Number(value).toFixed(digits)} ${currency ?? ''}`.trim();
  }
}

/** "Apr 1 – Apr 30, 2026" for a half-open period (the end is exclusive, so the last day shown is the day before). */
export function period(start, end) {
  const from = new Date(start);
  const last = new Date(Date.parse(end) - 1);
  if (Number.isNaN(from.getTime()) || Number.isNaN(last.getTime())) return `${start ?? '—'} – ${end ?? '—'}`;
  const day = { month: 'short', day: 'numeric', timeZone: 'UTC' };
  return `${from.toLocaleDateString('en-US', day)} – ${last.toLocaleDateString('en-US', { ...day, year: 'numeric' })}`;
}

export function mount(root, route, { signal, title }) {
  title('Billing');
  const state = {
    status: STATUSES.some(([v]) => v === route.query.get('status')) ? route.query.get('status') : '',
    customer: route.query.get('customer') ?? '',
    month: /^\d{4}-\d{2}$/.test(route.query.get('month') ?? '') ? route.query.get('month') : '',
    by: GROUPINGS.some(([v]) => v === route.query.get('by')) ? route.query.get('by') : 'customer',
  };
  const changed = () => {
    replaceQuery({ status: state.status, customer: state.customer, month: state.month, by: state.by === 'customer' ? '' : state.by });
    shown = null;
    poller.now();
  };
  const statusSelect = h('select', { id: 'billing-status', testid: 'billing-status', on: { change: () => { state.status = statusSelect.value; changed(); } } },
    STATUSES.map(([v, label]) => h('option', { value: v, selected: v === state.status }, label)));
  const customerInput = h('input', { id: 'billing-customer', testid: 'billing-customer', type: 'search', placeholder: 'id or name', value: state.customer,
    on: { change: () => { state.customer = customerInput.value.trim(); changed(); } } });
  const monthInput = h('input', { id: 'billing-month', testid: 'billing-month', type: 'month', value: state.month,
    on: { change: () => { state.month = monthInput.value; changed(); } } });
  const bySelect = h('select', { id: 'billing-by', testid: 'billing-by', on: { change: () => { state.by = bySelect.value; changed(); } } },
    GROUPINGS.map(([v, label]) => h('option', { value: v, selected: v === state.by }, label)));
  const body = h('div', { class: 'stack' }, loading());
  replace(root,
    pageTitle('Billing'),
    h('div', { class: 'filters billing-filters', testid: 'billing-filters' },
      field('Customer', customerInput, 'billing-customer'),
      field('Status', statusSelect, 'billing-status'),
      field('Margin for', monthInput, 'billing-month'),
      field('Margin by', bySelect, 'billing-by')),
    body);
  let shown = null;
  let generation = 0;
  const poller = poll(load, REFRESH_MS);
  load();
  return () => poller.stop();

  async function load() {
    const mine = ++generation;
    let invoices;
    let margin;
    try {
      invoices = await api.get('billing/invoices', { customer: state.customer, status: state.status }, { signal });
      // Without a chosen month: the month of the newest invoice, so the page opens on figures rather than an empty month.
      const month = state.month || (invoices.invoices?.[0]?.period_start ?? new Date().toISOString()).slice(0, 7);
      if (!state.month) monthInput.value = month;
      const from = `${month}-01T00:00:00Z`;
      const next = new Date(from);
      next.setUTCMonth(next.getUTCMonth() + 1);
      margin = await api.get('billing/margin', { from, to: next.toISOString(), by: state.by }, { signal }).catch((error) => ({ error }));
    } catch (error) {
      if (!signal.aborted && mine === generation && shown === null) replace(body, errorMessage(error, { testid: 'billing-error' }));
      return;
    }
    if (mine !== generation) return;
    const json = JSON.stringify([invoices, margin]);
    if (json === shown) return;
    shown = json;
    render(invoices, margin);
  }

  function render(invoices, margin) {
    const list = invoices.invoices ?? [];
    replace(body,
      h('div', { class: 'tiles billing-tiles', testid: 'billing-totals' },
        (invoices.totals ?? []).length === 0
          ? tile('Invoiced', '—', null, 'no invoices')
          : invoices.totals.map((t) => tile(`Invoiced (${t.currency})`, amount(t.total, t.currency, t.minor_units), t.currency,
            `${count(t.invoices)} invoice${t.invoices === 1 ? '' : 's'} · ${amount(t.finalized, t.currency, t.minor_units)} finalized` +
              (Number(t.credited) ? ` · ${amount(t.credited, t.currency, t.minor_units)} credited` : '')))),
      section(`Invoices (${list.length})`, list.length === 0 ? empty('No invoices match. Compute one with `keel billing invoice`.', { testid: 'invoices-empty' }) : invoiceTable(list), { testid: 'billing-invoices' }),
      section(`Margin by ${state.by}`, marginTable(margin), { testid: 'billing-margin' }));
  }
}

function field(label, control, id) {
  return h('label', { class: 'field', for: id }, h('span', {}, label), control);
}

function tile(label, value, currency, note) {
  return h('div', { class: 'tile', testid: 'billing-total', dataset: { currency } },
    h('div', { class: 'tile-label' }, label),
    h('div', { class: 'tile-value', testid: 'billing-total-value' }, value),
    note ? h('div', { class: 'tile-note muted small' }, note) : null);
}

function invoiceTable(list) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'compact invoices', testid: 'invoice-table' },
    h('thead', {}, h('tr', {}, ['Invoice', 'Customer', 'Period', 'Status', 'Plans', 'Lines', 'Credited', 'Total'].map((t, i) => h('th', { scope: 'col', class: i >= 5 ? 'num' : null }, t)))),
    h('tbody', {}, list.map((invoice) => {
      const route = path('billing', 'invoices', invoice.id);
      return h('tr', {
        class: ['invoice-row', 'task-row'],
        testid: 'invoice-row',
        dataset: { invoiceId: invoice.id, status: lower(invoice.status), currency: invoice.currency, customerId: invoice.customer_id },
        on: { click: (event) => { if (!event.target.closest('a, button') && !window.getSelection()?.toString()) location.hash = route; } },
      },
      h('td', {}, h('a', { href: '#' + route, class: 'mono', testid: 'invoice-link', title: invoice.id }, invoice.number ?? 'draft')),
      h('td', { title: invoice.customer_id }, invoice.customer_name ?? invoice.customer_id),
      h('td', {}, period(invoice.period_start, invoice.period_end)),
      h('td', {}, invoiceBadge(invoice.status)),
      h('td', { class: 'small muted' }, (invoice.plan_versions ?? []).join(', ') || '—'),
      h('td', { class: 'num' }, count(invoice.line_count)),
      h('td', { class: 'num' }, Number(invoice.credited) ? amount(invoice.credited, invoice.currency, invoice.minor_units) : '—'),
      h('td', { class: 'num strong', testid: 'invoice-total', title: `unrounded ${invoice.unrounded_total} ${invoice.currency}` }, amount(invoice.total, invoice.currency, invoice.minor_units)));
    }))));
}

/** Invoice statuses as badges: finalized reads as done, draft as in progress, void as set aside; the word is always there. */
export function invoiceBadge(status) {
  const key = lower(status);
  const look = { finalized: 'succeeded', draft: 'running', void: 'pending' }[key] ?? key;
  return h('span', { class: ['badge', 'status-' + look], testid: 'invoice-status', dataset: { status: key } }, key || 'unknown');
}

function marginTable(margin) {
  if (margin?.error) return errorMessage(margin.error, { testid: 'margin-error' });
  const rows = margin?.rows ?? [];
  const skipped = margin?.skipped ?? [];
  const by = margin?.by ?? 'customer';
  const note = skipped.length === 0 ? null : h('p', { class: 'muted small', testid: 'margin-skipped' },
    `Not shown: ${skipped.map((s) => `${s.customer_name ?? s.customer_id} (${s.currency})`).join(', ')}. ${skipped[0].reason}`);
  if (rows.length === 0) return h('div', {}, empty('No revenue or cost in this month.', { testid: 'margin-empty' }), note);
  const key = (r) => (by === 'plan' ? r.plan_id : by === 'agent' ? r.agent : null);
  const head = ['Customer', by === 'plan' ? 'Plan' : by === 'agent' ? 'Agent' : null, 'Revenue', 'Model', 'Tools', 'Human', 'Cost', 'Margin', 'Margin %', 'Outcomes', 'Per outcome'].filter(Boolean);
  const figures = (r, attrs = {}) => [
    h('td', { class: 'num', testid: 'margin-revenue' }, amount(r.revenue, r.currency, r.minor_units)),
    h('td', { class: 'num' }, amount(r.model_cost, r.currency, r.minor_units)),
    h('td', { class: 'num' }, amount(r.tool_cost, r.currency, r.minor_units)),
    h('td', { class: 'num' }, amount(r.human_cost, r.currency, r.minor_units)),
    h('td', { class: 'num' }, amount(r.cost, r.currency, r.minor_units)),
    h('td', { class: ['num', 'strong', Number(r.margin) < 0 ? 'error-text' : null], testid: 'margin-margin', ...attrs }, amount(r.margin, r.currency, r.minor_units)),
    h('td', { class: 'num' }, r.margin_percent === null || r.margin_percent === undefined ? '—' : `${Number(r.margin_percent).toFixed(1)} %`),
    h('td', { class: 'num' }, count(r.successful_outcomes)),
    h('td', { class: 'num' }, r.margin_per_successful_outcome === null || r.margin_per_successful_outcome === undefined ? '—' : amount(r.margin_per_successful_outcome, r.currency, r.minor_units)),
  ];
  return h('div', {},
    h('div', { class: 'table-wrap' }, h('table', { class: 'compact margins', testid: 'margin-table' },
      h('thead', {}, h('tr', {}, head.map((t, i) => h('th', { scope: 'col', class: i >= (by === 'customer' ? 1 : 2) ? 'num' : null }, t)))),
      h('tbody', {}, rows.map((r) => h('tr', { testid: 'margin-row', dataset: { customerId: r.customer_id, key: key(r) ?? r.customer_id, currency: r.currency } },
        h('td', { title: r.customer_id }, r.customer_name ?? r.customer_id),
        by === 'customer' ? null : h('td', {}, key(r) ?? '—'),
        figures(r)))),
      h('tfoot', {}, (margin.totals ?? []).map((t) => h('tr', { class: 'total-row', testid: 'margin-total', dataset: { currency: t.currency } },
        h('th', { scope: 'row', colspan: by === 'customer' ? 1 : 2 }, `Total (${t.currency})`),
        figures(t)))))),
    note);
}

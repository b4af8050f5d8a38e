// One invoice: its facts, every line (quantity, unit price, tiers applied, the unrounded and the rounded amount) and
// the credit notes against it. Lines are rounded once each to the currency's minor unit; the total is their sum.
import * as api from '../api.js';
import { h, replace } from '../dom.js';
import { count, time } from '../format.js';
import { poll } from '../live.js';
import { crumbs, empty, errorMessage, facts, loading, pageTitle, section } from '../ui.js';
import { amount, invoiceBadge, period } from './billing.js';

export function mount(root, route, { signal, title }) {
  const { id } = route.params;
  title('Invoice');
  const body = h('div', { class: 'stack' }, loading());
  const heading = h('div', {}, pageTitle('Invoice'));
  replace(root, crumbs([['Billing', '/billing'], ['Invoice']]), heading, body);
  let shown = null;
  const poller = poll(load, 10_000);
  load();
  return () => poller.stop();

  async function load() {
    let data;
    try {
      data = await api.get(`billing/invoices/${api.seg(id)}`, {}, { signal });
    } catch (error) {
      if (!signal.aborted && shown === null) replace(body, errorMessage(error, { testid: 'invoice-error' }));
      return;
    }
    const json = JSON.stringify(data);
    if (json === shown) return;
    shown = json;
    render(data);
  }

  function render({ invoice, lines = [], credit_notes: notes = [] }) {
    const money = (value) => amount(value, invoice.currency, invoice.minor_units);
    const name = invoice.number ?? 'Draft invoice';
    title(name);
    replace(heading, pageTitle(name, invoiceBadge(invoice.status), h('span', { class: 'title-id mono' }, invoice.id)));
    replace(body,
      section(null, facts([
        ['Customer', invoice.customer_name ?? invoice.customer_id],
        ['Period', period(invoice.period_start, invoice.period_end)],
        ['Currency', `${invoice.currency} (${invoice.minor_units} decimal${invoice.minor_units === 1 ? '' : 's'})`],
        ['Plans', (invoice.plan_versions ?? []).join(', ')],
        ['Events billed', count(invoice.event_count)],
        ['Finalized', invoice.finalized_at ? time(invoice.finalized_at) : null],
        ['Voided', invoice.voided_at ? time(invoice.voided_at) : null],
        ['Updated', time(invoice.updated_at)],
      ]), { testid: 'invoice-facts' }),
      section(`Lines (${lines.length})`, lines.length === 0 ? empty('No lines: nothing was billable in this period.') : h('div', { class: 'table-wrap' },
        h('table', { class: 'compact invoice-lines', testid: 'invoice-lines' },
          h('thead', {}, h('tr', {}, ['#', 'Description', 'Metric', 'Quantity', 'Unit price', 'Tiers', 'Unrounded', 'Amount'].map((t, i) => h('th', { scope: 'col', class: i >= 3 && i !== 5 ? 'num' : null }, t)))),
          h('tbody', {}, lines.map((line) => h('tr', { testid: 'invoice-line', dataset: { seq: line.seq, component: line.component_id } },
            h('td', { class: 'muted' }, String(line.seq)),
            h('td', {}, line.description, line.note ? h('div', { class: 'muted small' }, line.note) : null),
            h('td', { class: 'mono small' }, line.metric || '—'),
            h('td', { class: 'num' }, quantity(line.quantity)),
            h('td', { class: 'num' }, line.unit_price === null || line.unit_price === undefined ? '—' : String(line.unit_price)),
            h('td', { class: 'small' }, tiers(line.tiers)),
            h('td', { class: 'num muted small' }, String(line.unrounded_amount)),
            h('td', { class: 'num strong', testid: 'invoice-line-amount' }, money(line.amount))))),
          h('tfoot', {}, h('tr', { class: 'total-row' },
            h('th', { scope: 'row', colspan: 6 }, 'Total'),
            h('td', { class: 'num muted small' }, String(invoice.unrounded_total)),
            h('td', { class: 'num strong', testid: 'invoice-detail-total' }, money(invoice.total)))))), { testid: 'invoice-lines-section' }),
      notes.length === 0 ? null : section(`Credit notes (${notes.length}, ${money(invoice.credited)})`, h('ul', { class: 'plain-list', testid: 'credit-notes' },
        notes.map((note) => h('li', { testid: 'credit-note' },
          h('div', { class: 'card-head' }, h('strong', { class: 'mono' }, note.number), h('span', { class: 'strong' }, money(note.total))),
          h('div', { class: 'muted small' }, note.reason, ' · ', time(note.created_at))))), { testid: 'invoice-credits' }));
  }
}

/** 1,250 units; fractions (a prorated flat fee's share of the period) keep up to four decimals. */
function quantity(value) {
  const n = Number(value);
  if (Number.isNaN(n)) return String(value ?? '—');
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 4 });
}

/** Tiers applied, as "tier 1: 1,000 × 0.9; tier 2: 250 × 0.6 + 20" (units in the tier × its unit price + its flat fee). */
function tiers(list) {
  if (!Array.isArray(list) || list.length === 0) return '—';
  return list.map((t) => `tier ${t.tier}: ${quantity(t.quantity)} × ${t.unit_price}` + (Number(t.flat_fee) ? ` + ${t.flat_fee}` : '')).join('; ');
}

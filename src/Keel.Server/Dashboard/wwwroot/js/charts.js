// Two small charts of cost split into model, tool and human parts: columns over days (SVG) and bars by key (HTML).
import { h, s } from './dom.js';
import { day, money } from './format.js';

export const PARTS = [['model', 'model_usd', 'Model'], ['tool', 'tool_usd', 'Tools'], ['human', 'human_usd', 'Human time']];

export function legend() {
  return h('ul', { class: 'legend', 'aria-label': 'Legend' },
    PARTS.map(([key, , label]) => h('li', {}, h('span', { class: ['swatch', 'seg-' + key] }), label)));
}

/** Stacked columns, one per row (day), with a money axis. rows: [{key, model_usd, tool_usd, human_usd, total_usd}]. */
export function columns(rows, { label = 'Cost over time', ...attrs } = {}) {
  const width = 960;
  const height = 240;
  const pad = { top: 12, right: 8, bottom: 28, left: 64 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = niceMax(Math.max(0, ...rows.map(total)));
  const step = plotW / Math.max(rows.length, 1);
  const barW = Math.max(2, Math.min(40, step * 0.7));
  const y = (v) => pad.top + plotH - (v / max) * plotH;
  const labelEvery = Math.ceil(rows.length / 12);

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  return s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label, ...attrs },
    ticks.map((v) => s('g', { class: 'grid' },
      s('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }),
      s('text', { x: pad.left - 8, y: y(v) + 4, 'text-anchor': 'end', class: 'axis-label' }, money(v)))),
    rows.map((row, i) => {
      const x = pad.left + i * step + (step - barW) / 2;
      let base = 0;
      return s('g', { class: 'column', 'data-testid': 'cost-column', 'data-key': row.key },
        s('title', {}, `${day(row.key)}: ${money(total(row))} (model ${money(row.model_usd)}, tools ${money(row.tool_usd)}, human ${money(row.human_usd)})`),
        PARTS.map(([part, field]) => {
          const v = Number(row[field]) || 0;
          if (v <= 0) return null;
          const rect = s('rect', { class: 'seg-' + part, x, width: barW, y: y(base + v), height: Math.max(0.5, y(base) - y(base + v)) });
          base += v;
          return rect;
        }),
        s('rect', { class: 'hit', x: pad.left + i * step, width: step, y: pad.top, height: plotH }),
        i % labelEvery === 0 ? s('text', { x: x + barW / 2, y: height - 8, 'text-anchor': 'middle', class: 'axis-label' }, day(row.key)) : null);
    }));
}

/** Horizontal stacked bars, one per row, largest first, with the figures beside them. */
export function bars(rows, { testid, emptyText = 'No cost recorded.', limit = 12 } = {}) {
  if (rows.length === 0) return h('p', { class: 'muted', testid }, emptyText);
  const sorted = [...rows].sort((a, b) => total(b) - total(a));
  const shown = sorted.slice(0, limit);
  const rest = sorted.slice(limit);
  if (rest.length) {
    shown.push(rest.reduce((acc, r) => ({
      key: `${rest.length} more`, model_usd: acc.model_usd + (Number(r.model_usd) || 0), tool_usd: acc.tool_usd + (Number(r.tool_usd) || 0),
      human_usd: acc.human_usd + (Number(r.human_usd) || 0), tasks: acc.tasks + (r.tasks ?? 0), successful_outcomes: acc.successful_outcomes + (r.successful_outcomes ?? 0), other: true,
    }), { model_usd: 0, tool_usd: 0, human_usd: 0, tasks: 0, successful_outcomes: 0 }));
  }
  const max = Math.max(...shown.map(total), 1e-12);
  return h('div', { class: 'bars', testid, role: 'table' },
    h('div', { class: 'bar-row bar-head', role: 'row' },
      h('span', { role: 'columnheader' }, ''), h('span', { role: 'columnheader' }, ''),
      h('span', { role: 'columnheader', class: 'num' }, 'Cost'), h('span', { role: 'columnheader', class: 'num' }, 'Tasks'), h('span', { role: 'columnheader', class: 'num', title: 'cost per successful outcome' }, 'Per success')),
    shown.map((row) => h('div', { class: 'bar-row', role: 'row', testid: 'cost-row', dataset: { key: row.key ?? '' } },
      h('span', { class: ['bar-label', row.other ? 'muted' : null], role: 'cell', title: row.key ?? '(none)' }, row.key ?? '(none)'),
      h('span', { class: 'bar-track', role: 'cell', title: `model ${money(row.model_usd)}, tools ${money(row.tool_usd)}, human ${money(row.human_usd)}` },
        PARTS.map(([part, field]) => {
          const v = Number(row[field]) || 0;
          return v > 0 ? h('span', { class: 'seg-' + part, style: { width: ((v / max) * 100).toFixed(2) + '%' } }) : null;
        })),
      h('span', { class: 'num', role: 'cell' }, money(total(row))),
      h('span', { class: 'num muted', role: 'cell' }, row.tasks ?? '—'),
      h('span', { class: 'num muted', role: 'cell' }, row.successful_outcomes ? money(total(row) / row.successful_outcomes) : '—'))));
}

export function total(row) {
  const t = Number(row.total_usd);
  if (Number.isFinite(t) && row.total_usd !== null && row.total_usd !== undefined) return t;
  return PARTS.reduce((sum, [, field]) => sum + (Number(row[field]) || 0), 0);
}

/** A round axis maximum at or above v: 1, 2, 2.5 or 5 times a power of ten. */
function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// Small pieces every page uses: badges, sections, key/value lists, messages.
import { h } from './dom.js';
import { lower } from './format.js';

const STATUS_LABELS = {
  pending: 'pending', running: 'running', waiting: 'waiting', succeeded: 'succeeded', failed: 'failed',
  approved: 'approved', rejected: 'rejected', timedout: 'timed out', timed_out: 'timed out', ok: 'ok', error: 'error',
};

/** A coloured status label; the colour is never the only signal (the word is always there). */
export function statusBadge(status, attrs = {}) {
  const key = lower(status).replace(/\s+/g, '_');
  return h('span', { class: ['badge', 'status-' + key], ...attrs }, STATUS_LABELS[key] ?? (status || 'unknown'));
}

export function kindBadge(kind) {
  const key = lower(kind);
  return h('span', { class: ['kind', 'kind-' + key], title: key + ' step' }, key || 'step');
}

export function outcomeBadge(outcome) {
  if (!outcome) return null;
  const key = lower(outcome);
  return h('span', { class: ['badge', key === 'success' ? 'status-succeeded' : 'status-failed'] }, 'outcome: ' + key);
}

/** A titled block of a page. */
export function section(title, content, attrs = {}) {
  return h('section', { class: 'card', ...attrs },
    title ? h('h2', {}, title) : null,
    content);
}

/** A compact list of facts: [[label, value], ...]; empty values are skipped. */
export function facts(pairs, attrs = {}) {
  return h('dl', { class: 'facts', ...attrs },
    pairs.filter(([, value]) => value !== null && value !== undefined && value !== '')
      .map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, value))));
}

/** What a page shows while its first answer is on the way. */
export function loading(what = 'Loading…') {
  return h('p', { class: 'muted loading', role: 'status' }, what);
}

/** An error from the API or the network, as a readable line. */
export function errorMessage(error, attrs = {}) {
  const text = error?.status === 401
    ? 'Sign in to see this page.'
    : error?.status === 404
      ? 'Not found, or not visible with this token.'
      : error?.message || String(error);
  return h('p', { class: 'error', role: 'alert', ...attrs }, text);
}

export function empty(text, attrs = {}) {
  return h('p', { class: 'empty muted', ...attrs }, text);
}

/** A title line with optional extras (badges, links) after it. */
export function pageTitle(title, ...extras) {
  return h('div', { class: 'page-title' }, h('h1', {}, title), ...extras);
}

/** Breadcrumbs: [[text, route?], ...]. */
export function crumbs(items) {
  return h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' },
    items.map(([text, route], i) => [
      i > 0 ? h('span', { class: 'sep', 'aria-hidden': 'true' }, '›') : null,
      route ? h('a', { href: '#' + route }, text) : h('span', { 'aria-current': 'page' }, text),
    ]));
}

// The dashboard's shell: the header (live counters, who is signed in), the token prompt, and the page for the route.
import * as api from './api.js';
import { h, replace } from './dom.js';
import { count, money, shortId } from './format.js';
import { poll } from './live.js';
import { match } from './router.js';
import * as approvals from './pages/approvals.js';
import * as billing from './pages/billing.js';
import * as costs from './pages/costs.js';
import * as invoice from './pages/invoice.js';
import * as session from './pages/session.js';
import * as step from './pages/step.js';
import * as task from './pages/task.js';
import * as tasks from './pages/tasks.js';

const PAGES = { tasks, task, step, session, approvals, costs, billing, invoice };

const main = document.getElementById('app');
const prompt = document.querySelector('[data-testid="token-prompt"]');
const promptForm = prompt.querySelector('form');
const promptInput = prompt.querySelector('[data-testid="token-input"]');
const promptError = prompt.querySelector('[data-testid="token-error"]');
const signOut = document.querySelector('[data-testid="sign-out"]');
const whoami = document.querySelector('[data-testid="whoami"]');
const stats = document.querySelector('[data-testid="stats"]');
const approvalsCount = document.querySelector('[data-testid="nav-approvals-count"]');

let current = null; // { cleanup, controller }

takeTokenFromHash();
api.onUnauthorized(askForToken);
promptForm.addEventListener('submit', signIn);
prompt.addEventListener('cancel', (event) => event.preventDefault()); // nothing works without a token
signOut.addEventListener('click', () => {
  api.token.clear();
  refreshWho();
  render();
});
window.addEventListener('hashchange', render);

render();
refreshWho();
const header = poll(refreshHeader);
header.now();

/**
 * A token in the address bar (#token=SECRET, optionally &/route) is taken once, for scripted browsers, and removed
 * at once so it does not stay in the history or get copied with a link.
 */
function takeTokenFromHash() {
  const hash = location.hash;
  if (!hash.startsWith('#token=')) return;
  const rest = hash.slice('#token='.length);
  const at = rest.indexOf('&');
  const value = decodeURIComponent(at < 0 ? rest : rest.slice(0, at));
  const route = at < 0 ? '/tasks' : rest.slice(at + 1);
  if (value) api.token.set(value);
  history.replaceState(null, '', location.pathname + location.search + '#' + (route.startsWith('/') ? route : '/' + route));
}

function render() {
  if (location.hash.startsWith('#token=')) {
    // A token given to an open page (a test navigating again): take it and refresh who is signed in.
    takeTokenFromHash();
    if (prompt.open) prompt.close();
    refreshWho();
    header.now();
  }
  if (current) {
    current.controller.abort();
    current.cleanup?.();
    current = null;
  }

  const route = match();
  for (const link of document.querySelectorAll('[data-nav]')) {
    const active = link.dataset.nav === route.name || (link.dataset.nav === 'tasks' && ['task', 'step', 'session'].includes(route.name))
      || (link.dataset.nav === 'billing' && route.name === 'invoice');
    if (active) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }

  const controller = new AbortController();
  const root = h('div', { class: 'page', testid: 'page-' + route.name, dataset: { page: route.name } });
  replace(main, root);
  window.scrollTo(0, 0);
  const page = PAGES[route.name];
  if (!page) {
    document.title = 'Not found · Keel';
    replace(root, h('h1', {}, 'Not found'), h('p', {}, 'There is no such page. ', h('a', { href: '#/tasks' }, 'See all tasks.')));
    current = { controller };
    return;
  }

  const cleanup = page.mount(root, route, {
    signal: controller.signal,
    title: (text) => { document.title = text ? `${text} · Keel` : 'Keel'; },
  });
  current = { controller, cleanup };
}

function askForToken() {
  if (prompt.open) return;
  promptError.hidden = true;
  promptInput.value = '';
  prompt.showModal();
  promptInput.focus();
}

async function signIn(event) {
  event.preventDefault();
  const value = promptInput.value.trim();
  if (!value) return;
  api.token.set(value);
  try {
    await api.get('me');
  } catch (error) {
    api.token.clear();
    promptError.textContent = error.status === 401 ? 'That token was not accepted.' : error.message;
    promptError.hidden = false;
    if (!prompt.open) prompt.showModal();
    return;
  }
  prompt.close();
  refreshWho();
  header.now();
  render();
}

async function refreshWho() {
  signOut.hidden = !api.token.get();
  try {
    const me = await api.get('me');
    const label = me.role === 'customer' ? `customer ${shortId(me.customer_id ?? '', 16)}`
      : me.role === 'insecure-local' ? 'local (no token)' : me.role;
    whoami.textContent = label;
    whoami.title = me.customer_id ?? '';
    whoami.dataset.role = me.role;
  } catch {
    whoami.textContent = '';
    delete whoami.dataset.role;
  }
}

async function refreshHeader() {
  try {
    const [s, pending] = await Promise.all([api.get('stats'), api.get('approvals', { status: 'pending' })]);
    replace(stats,
      stat('tasks', count(s.tasks), 'tasks'),
      stat('running', count(s.running), 'running'),
      stat('waiting', count(s.waiting), 'waiting'),
      stat('failed', count(s.failed), 'failed'),
      stat('cost', money(s.cost_usd), 'spent'));
    const n = pending.approvals?.length ?? 0;
    approvalsCount.hidden = n === 0;
    approvalsCount.textContent = String(n);
    approvalsCount.setAttribute('aria-label', `${n} waiting`);
  } catch {
    stats.replaceChildren();
    approvalsCount.hidden = true;
  }
}

function stat(key, value, label) {
  return h('span', { class: ['stat', 'stat-' + key], testid: 'stat-' + key }, h('strong', {}, value), ' ', label);
}

// Hash routes: #/tasks?status=failed, #/tasks/{id}, #/tasks/{id}/steps/{seq}, #/sessions/{id}, #/approvals, #/costs,
// #/billing, #/billing/invoices/{id}.
// The part after "?" holds a page's filters, so a filtered list can be bookmarked and survives a reload.

const ROUTES = [
  { name: 'tasks', pattern: ['tasks'] },
  { name: 'task', pattern: ['tasks', ':id'] },
  { name: 'step', pattern: ['tasks', ':id', 'steps', ':seq'] },
  { name: 'session', pattern: ['sessions', ':id'] },
  { name: 'approvals', pattern: ['approvals'] },
  { name: 'costs', pattern: ['costs'] },
  { name: 'billing', pattern: ['billing'] },
  { name: 'invoice', pattern: ['billing', 'invoices', ':id'] },
];

/** The route of a hash: { name, params, query }; the task list for an empty hash, 'notfound' for anything else. */
export function match(hash = location.hash) {
  const raw = hash.replace(/^#/, '');
  const [path, search = ''] = splitOnce(raw, '?');
  const parts = path.split('/').filter(Boolean).map(safeDecode);
  const query = new URLSearchParams(search);
  if (parts.length === 0) return { name: 'tasks', params: {}, query };
  for (const route of ROUTES) {
    if (route.pattern.length !== parts.length) continue;
    const params = {};
    const ok = route.pattern.every((piece, i) => {
      if (piece.startsWith(':')) { params[piece.slice(1)] = parts[i]; return true; }
      return piece === parts[i];
    });
    if (ok) return { name: route.name, params, query };
  }
  return { name: 'notfound', params: {}, query };
}

/** A route's hash path from its pieces: path('tasks', id, 'steps', 3) is "/tasks/{id}/steps/3". */
export function path(...pieces) {
  return '/' + pieces.map((p) => encodeURIComponent(String(p))).join('/');
}

/** Rewrites the current route's query (filters) in the address bar without reloading the page. */
export function replaceQuery(params) {
  const [current] = splitOnce(location.hash.replace(/^#/, ''), '?');
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(key, String(value));
  }
  const qs = query.toString();
  history.replaceState(history.state, '', '#' + (current || '/tasks') + (qs ? '?' + qs : ''));
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

function safeDecode(piece) {
  try { return decodeURIComponent(piece); } catch { return piece; }
}

// The dashboard API (/api/*): JSON in and out, the token as a bearer header, errors in OpenAI's shape.

const TOKEN_KEY = 'keel.token';
const TIMEOUT_MS = 15_000;

/** An answer other than 2xx, with the server's message. */
export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const listeners = new Set();

/** Called with no arguments whenever the server answers 401: the token is missing or wrong. */
export function onUnauthorized(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The token, kept for this browser tab only (sessionStorage), never in a cookie or the URL. */
export const token = {
  get() {
    try { return sessionStorage.getItem(TOKEN_KEY) || null; } catch { return null; }
  },
  set(value) {
    try { sessionStorage.setItem(TOKEN_KEY, value); } catch { /* storage off: the token lasts until reload */ }
    memory = value;
  },
  clear() {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing kept */ }
    memory = null;
  },
};

let memory = null;

function currentToken() {
  return token.get() ?? memory;
}

/** GET /api/{path}?{params}; params with empty values are left out. */
export function get(path, params = {}, { signal } = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(key, String(value));
  }
  const qs = query.toString();
  return send('GET', path + (qs ? '?' + qs : ''), undefined, signal);
}

/** POST /api/{path} with a JSON body. */
export function post(path, body, { signal } = {}) {
  return send('POST', path, body, signal);
}

async function send(method, path, body, signal) {
  const headers = { Accept: 'application/json' };
  const bearer = currentToken();
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let response;
  try {
    response = await fetch('api/' + path.replace(/^\//, ''), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: combined,
      cache: 'no-store',
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, timeout.aborted ? 'The server took too long to answer.' : 'Cannot reach the Keel server.', 'network');
  }

  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { /* not JSON: use the status below */ }
  }
  if (response.status === 401) listeners.forEach((listener) => listener());
  if (!response.ok) {
    const message = json?.error?.message ?? `${response.status} ${response.statusText || 'error'}`;
    throw new ApiError(response.status, message, json?.error?.code);
  }
  return json;
}

/** Path segment escaping for ids that go into API paths. */
export function seg(value) {
  return encodeURIComponent(String(value));
}

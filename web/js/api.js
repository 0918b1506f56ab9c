// The JSON API client: cookie session, CSRF header on changes, errors as ApiError carrying the
// server's message, and one hook for "the session has ended" (401).

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || `request failed (HTTP ${status})`);
    this.status = status;
    this.code = code || '';
    this.field = field || '';
  }
}

const BASE = '/api/v1';
let csrfToken = '';
let unauthorizedHandler = null;

export function setCsrf(token) { csrfToken = token || ''; }
export function onUnauthorized(fn) { unauthorizedHandler = fn; }

/**
 * api('GET', '/patients', {query: {name}}) -> parsed JSON (or text for non-JSON bodies).
 * opts: query, body (JSON), ifMatch, quiet401 (do not treat 401 as session end), raw (return the
 * Response), withEtag (return {data, etag}).
 */
export async function api(method, path, opts = {}) {
  let url = BASE + path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    }
    const qs = q.toString();
    if (qs) url += '?' + qs;
  }
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (opts.ifMatch) headers['If-Match'] = opts.ifMatch;
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let resp;
  try {
    resp = await fetch(url, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check the connection and try again.');
  }
  if (opts.raw && resp.ok) return resp;
  const ctype = resp.headers.get('Content-Type') || '';
  let data = null;
  if (ctype.includes('json')) {
    try { data = await resp.json(); } catch { data = null; }
  } else {
    data = await resp.text();
  }
  if (!resp.ok) {
    const err = data && data.error ? data.error : {};
    const e = new ApiError(resp.status, err.code, err.message, err.field);
    if (resp.status === 401 && !opts.quiet401 && unauthorizedHandler) unauthorizedHandler(e);
    throw e;
  }
  if (opts.withEtag) return { data, etag: resp.headers.get('ETag') };
  return data;
}

/** A human sentence for an error: the server's message, with the field when it names one. */
export function errorText(e) {
  if (!(e instanceof ApiError)) return e && e.message ? e.message : String(e);
  let msg = e.message;
  if (e.field && !msg.includes(e.field)) msg = `${e.field}: ${msg}`;
  if (e.status === 403) return `Not permitted: ${msg}`;
  return msg;
}

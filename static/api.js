// Talking to the server: the session cookie does the authentication; the CSRF token, kept in
// memory only, goes with every state-changing request. Paths are relative to the page, so the
// UI also works behind a reverse proxy that mounts attache under a prefix.

let csrf = null;

export function setCsrf(token) {
  csrf = token || null;
}

/** A failed request, with the server's problem details when it sent some. */
export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `The server answered ${status}.`);
    this.status = status;
    this.code = problem.code || null;
    this.title = problem.title || null;
    this.detail = problem.detail || null;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.retryAfter = problem.retryAfter || null;
  }
}

const OFFLINE = {
  title: 'Cannot reach the server',
  detail: 'The request did not get an answer. Check that attache is running and try again.',
};

function problemFrom(status, text, retryAfter) {
  let problem = {};
  try {
    problem = JSON.parse(text);
  } catch {
    problem = {};
  }
  if (!problem || typeof problem !== 'object') problem = {};
  if (status === 429 && !problem.detail) {
    problem.detail = `Too many requests. Try again in ${retryAfter || 'a few'} seconds.`;
  }
  problem.retryAfter = retryAfter;
  return new ApiError(status, problem);
}

/** Notified when any call answers 401: the session is over. */
let onUnauthorized = () => {};
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, OFFLINE);
  }
  if (!res.ok) {
    const error = problemFrom(res.status, await res.text(), res.headers.get('Retry-After'));
    if (res.status === 401 && !path.startsWith('ui/session')) onUnauthorized(error);
    throw error;
  }
  const data = res.status === 204 ? null : await res.json();
  return { data, headers: res.headers };
}

export const get = async (path) => (await request('GET', path)).data;

// --- session ---

export const session = () => get('ui/session');
export const signIn = async (key) => (await request('POST', 'ui/session', { key })).data;
export const signOut = () => request('DELETE', 'ui/session');

// --- tickets ---

/** One page of tickets and the path of the next one (from `Link: rel="next"`), if any. */
export async function tickets(path) {
  const { data, headers } = await request('GET', path);
  return { tickets: data, next: nextPath(headers.get('Link')) };
}

export function ticketsPath({ q, status, limit }) {
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (status) params.set('status', status);
  params.set('limit', String(limit));
  return `v1/tickets?${params}`;
}

/** The next page, as a path on this origin whatever host the server put in the link. */
function nextPath(link) {
  const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(link || '');
  if (!match) return null;
  const url = new URL(match[1], location.href);
  return `v1/tickets${url.search}`;
}

const enc = encodeURIComponent;

export const ticket = (id) => get(`v1/tickets/${enc(id)}`);
export const messages = (id) => get(`v1/tickets/${enc(id)}/messages`);
export const attachments = (id) => get(`v1/tickets/${enc(id)}/attachments`);
export const restrictions = () => get('v1/attachment-restrictions');
export const createTicket = async (subject, body) =>
  (await request('POST', 'v1/tickets', body ? { subject, body } : { subject })).data;
export const setStatus = async (id, status) =>
  (await request('PATCH', `v1/tickets/${enc(id)}`, { status })).data;
export const deleteAttachment = (ticketId, id) =>
  request('DELETE', `v1/tickets/${enc(ticketId)}/attachments/${enc(id)}`);

// --- signed URLs, cached until shortly before they expire ---

const signed = new Map();

export async function signedUrl(ticketId, id, inline, { fresh = false } = {}) {
  const key = `${id}:${inline}`;
  const cached = signed.get(key);
  if (!fresh && cached && Date.parse(cached.expires_at) - Date.now() > 60_000) return cached;
  const query = inline ? '?inline=true' : '';
  const answer = await get(`v1/tickets/${enc(ticketId)}/attachments/${enc(id)}/download${query}`);
  signed.set(key, answer);
  return answer;
}

export function forgetSigned(id) {
  signed.delete(`${id}:true`);
  signed.delete(`${id}:false`);
}

/**
 * Uploads one file with XMLHttpRequest, for its progress events.
 * Returns {promise, abort}; the promise gives the attachment or rejects with an ApiError.
 */
export function upload(ticketId, file, onProgress) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', `v1/tickets/${enc(ticketId)}/attachments`);
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status === 201 || xhr.status === 200) {
        try {
          resolve(JSON.parse(xhr.responseText));
        } catch {
          reject(new ApiError(xhr.status, { detail: 'The server answered something unreadable.' }));
        }
        return;
      }
      const error = problemFrom(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After'));
      if (xhr.status === 401) onUnauthorized(error);
      reject(error);
    };
    xhr.onerror = () => reject(new ApiError(0, {
      title: 'Upload interrupted',
      detail: 'The connection closed before the server answered. Try again.',
    }));
    xhr.onabort = () => reject(new ApiError(0, { code: 'aborted', detail: 'Upload cancelled.' }));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

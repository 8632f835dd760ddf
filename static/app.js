// Boot, session and hash routing: #/tickets, #/tickets?q=…&status=…, #/tickets/<id>.

import * as api from './api.js';
import { h, clear, loading, errorCard, toast } from './dom.js';
import { initials } from './format.js';
import { signInView } from './views/signin.js';
import { ticketsView } from './views/tickets.js';
import { ticketView } from './views/ticket.js';
import { openNewTicket } from './views/newticket.js';

const app = document.getElementById('app');
let current = null; // {user, scopes, access: {tickets, may}, csrf}
let cleanup = null;
let restrictions = null;

/** What the views get: who is signed in and what they may do. */
const ctx = {
  get user() {
    return current && current.user;
  },
  /** Whether the server says this caller may act under `scope`; the page adds no rule of its own. */
  can(scope) {
    return Boolean(current && current.access && current.access.may[scope]);
  },
  /** Which tickets the caller sees: 'all', or only their 'own'. */
  get sees() {
    return current && current.access ? current.access.tickets : 'own';
  },
  async restrictions() {
    // Without the limits the page still uploads; the server checks anyway. Asked again next time.
    if (!restrictions) {
      restrictions = api.restrictions().catch(() => {
        restrictions = null;
        return null;
      });
    }
    return restrictions;
  },
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  newTicket() {
    openNewTicket((ticket) => ctx.go(`#/tickets/${ticket.id}`));
  },
};

function setState(state) {
  app.dataset.state = state;
}

function show(view, state = 'ready') {
  if (cleanup) cleanup();
  cleanup = null;
  clear(app).append(view);
  setState(state);
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  return { parts, params: new URLSearchParams(query) };
}

function route() {
  if (!current) return;
  const { parts, params } = parseHash();
  if (cleanup) cleanup();
  cleanup = null;
  clear(app);
  setState('loading');
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'tickets')) {
    cleanup = ticketsView(app, params, ctx);
  } else if (parts.length === 2 && parts[0] === 'tickets') {
    cleanup = ticketView(app, parts[1], ctx);
  } else {
    document.title = 'Not found — attache';
    show(errorCard('There is no such page', 'The address does not match any page of attache.',
      h('a', { class: 'button primary', href: '#/tickets' }, 'Go to the tickets')), 'error');
  }
  focusMain();
}

/** After a route change, focus moves to the page, so keyboard and screen-reader users start there. */
function focusMain() {
  window.scrollTo(0, 0);
  const active = document.activeElement;
  if (active && active !== document.body) return;
  document.getElementById('main').focus({ preventScroll: true });
}

function showAccount() {
  const account = document.getElementById('account');
  account.hidden = !current;
  if (!current) return;
  document.getElementById('user-name').textContent = current.user.name;
  document.getElementById('user-role').textContent = current.user.role;
  document.getElementById('user-avatar').textContent = initials(current.user.name);
}

function signedIn(body) {
  current = body;
  api.setCsrf(body.csrf);
  restrictions = null;
  showAccount();
  route();
}

function signedOut(message) {
  current = null;
  api.setCsrf(null);
  showAccount();
  if (cleanup) cleanup();
  cleanup = null;
  document.title = 'Sign in — attache';
  clear(app).append(signInView(signedIn, message));
  setState('signin');
  const input = document.getElementById('signin-key');
  if (input) input.focus();
}

async function signOut() {
  const button = document.getElementById('signout');
  button.disabled = true;
  try {
    await api.signOut();
    signedOut();
  } catch (err) {
    if (err.status === 401) signedOut();
    else toast(`Could not sign out: ${err.message}`, 'error');
  } finally {
    button.disabled = false;
  }
}

async function boot() {
  clear(app).append(loading('Loading attache…'));
  setState('loading');
  try {
    signedIn(await api.session());
  } catch (err) {
    if (err.status === 401) {
      signedOut();
      return;
    }
    show(errorCard('attache did not answer', err.message,
      h('button', { type: 'button', class: 'button primary', onclick: boot }, 'Try again')), 'error');
  }
}

api.whenUnauthorized(() => {
  if (current) signedOut('Your session has ended. Paste your key again to continue.');
});
document.getElementById('signout').addEventListener('click', signOut);
// The hash is the router's: the skip link moves the focus instead of changing it.
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main').focus();
});
window.addEventListener('hashchange', route);
boot();

// The ticket list: newest first, search by subject, filter by status, paged by the server's
// `Link: rel="next"`. The search and filter live in the hash, so reload keeps them.

import * as api from '../api.js';
import { h, icon, clear, errorCard } from '../dom.js';
import { ago, fullDate, plural } from '../format.js';

const PAGE = 20;
const STATUSES = [['', 'All statuses'], ['new', 'New'], ['open', 'Open'], ['pending', 'Pending'], ['resolved', 'Resolved'], ['closed', 'Closed']];

export function statusPill(status) {
  return h('span', { class: `pill status-${status}` }, status);
}

function skeleton() {
  return h('ul', { class: 'ticket-list', 'aria-hidden': 'true' },
    Array.from({ length: 5 }, () => h('li', { class: 'ticket-row skeleton' },
      h('span', { class: 'bone short' }), h('span', { class: 'bone' }))));
}

function row(ticket) {
  const count = ticket.attachment_count || 0;
  return h('li', {},
    h('a', { class: 'ticket-row', href: `#/tickets/${ticket.id}`, dataset: { ticketId: ticket.id } },
      h('span', { class: 'ticket-num' }, `#${ticket.number}`),
      h('span', { class: 'ticket-subject' }, ticket.subject),
      h('span', { class: 'ticket-meta' },
        statusPill(ticket.status),
        h('span', {
          class: `count${count ? '' : ' zero'}`, title: plural(count, 'attachment'),
          dataset: { count },
        }, icon('clip'), h('span', { class: 'visually-hidden' }, 'Attachments: '), String(count)),
        h('time', { datetime: ticket.updated_at, title: `Updated ${fullDate(ticket.updated_at)}` },
          ago(ticket.updated_at)))));
}

function empty(filtered, ctx, clearFilters) {
  if (filtered) {
    return h('div', { class: 'state-card empty', id: 'tickets-empty' },
      icon('search', 'state-icon'),
      h('h2', {}, 'No ticket matches'),
      h('p', {}, 'No subject contains these words with this status. Try fewer words or another status.'),
      h('button', { type: 'button', class: 'button', onclick: clearFilters }, 'Clear the search'));
  }
  const canWrite = ctx.can('tickets:write');
  return h('div', { class: 'state-card empty', id: 'tickets-empty' },
    icon('inbox', 'state-icon'),
    h('h2', {}, 'No tickets yet'),
    h('p', {}, ctx.sees === 'own'
      ? 'Tickets you open show up here, with every file attached to them.'
      : 'Tickets opened through the API or any helpdesk dialect show up here, with their files.'),
    canWrite
      ? h('button', { type: 'button', class: 'button primary', onclick: () => ctx.newTicket() },
        icon('plus'), 'Open the first ticket')
      : h('p', { class: 'muted small' }, 'Your key may only read tickets; ask an admin for one that may open them.'),
    h('p', { class: 'muted small' }, 'Or from a terminal, with your key: ',
      h('code', { class: 'command' },
        `curl -H 'Authorization: Bearer atk_…' -H 'Content-Type: application/json' -d '{"subject":"…"}' ${location.origin}/v1/tickets`)));
}

export function ticketsView(root, params, ctx) {
  document.title = 'Tickets — attache';
  let q = params.get('q') || '';
  let status = params.get('status') || '';
  let pages = [api.ticketsPath({ q, status, limit: PAGE })]; // paths of the pages seen so far
  let index = 0;
  let next = null;
  let seq = 0;
  let timer = null;

  const search = h('input', {
    type: 'search', id: 'ticket-search', class: 'input', value: q, placeholder: 'Search subjects',
    'aria-label': 'Search tickets by subject', autocomplete: 'off', enterkeyhint: 'search',
  });
  const filter = h('select', { id: 'status-filter', class: 'input', 'aria-label': 'Filter by status' },
    STATUSES.map(([value, label]) => h('option', { value, selected: value === status }, label)));
  const results = h('div', { id: 'ticket-results', class: 'results', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'button', id: 'page-prev' }, icon('chevron-left'), 'Newer');
  const nextButton = h('button', { type: 'button', class: 'button', id: 'page-next' }, 'Older', icon('chevron-right'));
  const pageLabel = h('span', { class: 'muted small', id: 'page-label' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages', hidden: true }, prev, pageLabel, nextButton);

  /** After paging, keep the focus on a usable button and show the top of the new page. */
  function settleFocus() {
    const active = document.activeElement;
    if (active !== prev && active !== nextButton) return;
    if (active.disabled) (active === prev ? nextButton : prev).focus();
    window.scrollTo({ top: 0 });
  }

  async function load() {
    const mine = ++seq;
    root.dataset.state = 'loading';
    results.setAttribute('aria-busy', 'true');
    clear(results).append(skeleton());
    try {
      const page = await api.tickets(pages[index]);
      if (mine !== seq) return;
      next = page.next;
      clear(results);
      if (page.tickets.length === 0 && index === 0) {
        results.append(empty(Boolean(q || status), ctx, clearFilters));
      } else {
        results.append(h('ul', { class: 'ticket-list', id: 'ticket-list' }, page.tickets.map(row)));
      }
      pager.hidden = index === 0 && !next;
      prev.disabled = index === 0;
      nextButton.disabled = !next;
      pageLabel.textContent = `Page ${index + 1}`;
      root.dataset.state = 'ready';
      settleFocus();
    } catch (err) {
      if (mine !== seq) return;
      pager.hidden = true;
      clear(results).append(errorCard('The tickets could not be loaded', err.message,
        h('button', { type: 'button', class: 'button primary', onclick: load }, 'Try again')));
      root.dataset.state = 'error';
    } finally {
      if (mine === seq) results.removeAttribute('aria-busy');
    }
  }

  function restart() {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (status) params.set('status', status);
    const query = params.toString();
    const hash = `#/tickets${query ? `?${query}` : ''}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    pages = [api.ticketsPath({ q, status, limit: PAGE })];
    index = 0;
    load();
  }

  function clearFilters() {
    q = '';
    status = '';
    search.value = '';
    filter.value = '';
    restart();
    search.focus();
  }

  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (search.value.trim() === q) return;
      q = search.value.trim();
      restart();
    }, 250);
  });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      clearTimeout(timer);
      q = search.value.trim();
      restart();
    }
  });
  filter.addEventListener('change', () => {
    status = filter.value;
    restart();
  });
  prev.addEventListener('click', () => {
    if (index > 0) {
      index -= 1;
      load();
    }
  });
  nextButton.addEventListener('click', () => {
    if (!next) return;
    pages = pages.slice(0, index + 1).concat(next);
    index += 1;
    load();
  });

  root.append(h('section', { class: 'view tickets-view', 'aria-labelledby': 'tickets-title' },
    h('div', { class: 'view-head' },
      h('h1', { id: 'tickets-title' }, 'Tickets'),
      ctx.can('tickets:write')
        ? h('button', { type: 'button', class: 'button primary', id: 'new-ticket', onclick: () => ctx.newTicket() },
          icon('plus'), h('span', {}, 'New ticket'))
        : null),
    h('div', { class: 'toolbar', role: 'search' },
      h('div', { class: 'search' }, icon('search'), search),
      filter),
    results,
    pager));
  load();
  return () => {
    seq += 1;
    clearTimeout(timer);
  };
}

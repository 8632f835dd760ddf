// A ticket: its messages in order with their attachments, the files added to the ticket
// directly, and the uploader.

import * as api from '../api.js';
import { h, icon, clear, errorCard, toast } from '../dom.js';
import { ago, fullDate, initials, plural } from '../format.js';
import { attachmentItem, attachmentList } from './attachment.js';
import { uploader } from './upload.js';
import { statusPill } from './tickets.js';

function skeleton() {
  return h('div', { class: 'view ticket-view', 'aria-busy': 'true' },
    h('div', { class: 'state-card', role: 'status' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('p', {}, 'Loading the ticket…')),
    h('div', { class: 'message skeleton', 'aria-hidden': 'true' },
      h('span', { class: 'bone short' }), h('span', { class: 'bone' }), h('span', { class: 'bone' })));
}

function statusControl(ticket, ctx) {
  if (!ctx.can('tickets:write')) return statusPill(ticket.status);
  const select = h('select', { class: `input status-select status-${ticket.status}`, id: 'ticket-status', 'aria-label': 'Status' },
    ['new', 'open', 'pending', 'resolved', 'closed'].map((s) => h('option', { value: s, selected: s === ticket.status }, s)));
  select.addEventListener('change', async () => {
    const wanted = select.value;
    select.disabled = true;
    try {
      const updated = await api.setStatus(ticket.id, wanted);
      ticket.status = updated.status;
      toast(`Ticket #${ticket.number} is now ${updated.status}.`);
    } catch (err) {
      toast(err.message, 'error');
    } finally {
      select.value = ticket.status;
      select.className = `input status-select status-${ticket.status}`;
      select.disabled = false;
    }
  });
  return select;
}

function message(msg, attachments, deps) {
  const author = msg.author_name || 'Unknown author';
  return h('li', { class: 'message', dataset: { messageId: msg.id } },
    h('header', { class: 'message-head' },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(author)),
      h('span', { class: 'message-author' }, author),
      h('time', { datetime: msg.created_at, title: fullDate(msg.created_at) }, ago(msg.created_at))),
    msg.body ? h('p', { class: 'message-body' }, msg.body) : null,
    attachments.length ? attachmentList(attachments, deps) : null);
}

export function ticketView(root, id, ctx) {
  let alive = true;
  let upload = null;
  root.append(skeleton());

  async function load() {
    root.dataset.state = 'loading';
    const [ticket, messages, attachments, limits] = await Promise.all([
      api.ticket(id),
      api.messages(id),
      api.attachments(id).catch((err) => (err.status === 403 ? null : Promise.reject(err))),
      ctx.can('attachments:write') ? ctx.restrictions() : null,
    ]);
    if (!alive) return;
    render(ticket, messages, attachments, limits);
  }

  function render(ticket, messages, attachments, limits) {
    document.title = `#${ticket.number} ${ticket.subject} — attache`;
    const byId = new Map((attachments || []).map((a) => [a.id, a]));
    const all = attachments || messages.flatMap((m) => m.attachments || []);
    let count = all.length;
    const countLabel = h('span', { class: 'muted', id: 'file-count' });
    const showCount = () => {
      countLabel.textContent = plural(count, 'file');
      if (upload) upload.refresh();
    };

    const deps = {
      ticketId: ticket.id,
      ctx,
      onDeleted() {
        count -= 1;
        showCount();
        document.getElementById('files-title').focus();
      },
    };
    const loose = all.filter((a) => !a.message_id);
    const looseList = attachmentList(loose, deps, 'ticket-files');
    const looseEmpty = h('p', { class: 'muted small files-empty' },
      'Files uploaded here are added to the ticket without a message.');
    looseEmpty.hidden = loose.length > 0;

    if (ctx.can('attachments:write')) {
      upload = uploader({
        ticketId: ticket.id,
        limits,
        count: () => count,
        onUploaded(attachment) {
          count += 1;
          looseList.append(attachmentItem(attachment, deps));
          looseEmpty.hidden = true;
          showCount();
        },
      });
    }
    showCount();

    const thread = messages.length
      ? h('ol', { class: 'messages', id: 'messages' }, messages.map((m) => message(m,
        (m.attachments || []).map((a) => byId.get(a.id) || a), deps)))
      : h('div', { class: 'state-card slim' }, h('p', {}, 'No messages on this ticket yet.'));

    clear(root).append(h('article', { class: 'view ticket-view', id: 'ticket-view', dataset: { ticketId: ticket.id } },
      h('a', { class: 'back-link', href: '#/tickets' }, icon('back'), 'All tickets'),
      h('header', { class: 'ticket-head' },
        h('h1', { id: 'ticket-subject' }, h('span', { class: 'ticket-num' }, `#${ticket.number}`), ' ', ticket.subject),
        h('div', { class: 'ticket-facts' },
          statusControl(ticket, ctx),
          h('span', { class: 'muted' }, 'Opened ',
            h('time', { datetime: ticket.created_at, title: fullDate(ticket.created_at) }, ago(ticket.created_at))),
          h('span', { class: 'muted' }, icon('clip'), countLabel))),
      h('section', { class: 'thread', 'aria-labelledby': 'thread-title' },
        h('h2', { id: 'thread-title' }, 'Conversation'),
        thread),
      h('section', { class: 'files', 'aria-labelledby': 'files-title' },
        h('h2', { id: 'files-title', tabindex: '-1' }, 'Files on the ticket'),
        attachments === null
          ? h('p', { class: 'muted small' }, 'Your key may not list this ticket’s files.')
          : [looseEmpty, looseList],
        upload ? upload.element : null)));
    root.dataset.state = 'ready';
  }

  load().catch((err) => {
    if (!alive) return;
    root.dataset.state = 'error';
    document.title = 'Ticket not available — attache';
    const back = h('a', { class: 'button', href: '#/tickets' }, icon('back'), 'All tickets');
    clear(root).append(err.status === 404
      ? errorCard('Ticket not found', 'It does not exist, or your key may not see it.', back)
      : errorCard('The ticket could not be loaded', err.message,
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'button primary', onclick: () => ctx.go(location.hash) }, 'Try again'),
          back)));
  });

  return () => {
    alive = false;
    if (upload) upload.cleanup();
  };
}

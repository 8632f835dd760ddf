// One attachment: an icon for its type (or a thumbnail for images), its name, size, uploader
// and time, and its actions: preview, download, copy a signed link, delete.

import * as api from '../api.js';
import { h, icon, toast } from '../dom.js';
import { ago, fullDate, kind, isImage, previewable, size, time } from '../format.js';
import { confirm, preview, showLink } from './dialogs.js';

/** Thumbnails ask for their signed URL only when they scroll into view. */
const pending = new WeakMap();
const observer = 'IntersectionObserver' in window
  ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      const load = pending.get(entry.target);
      if (load) load();
    }
  }, { rootMargin: '200px' })
  : null;

function typeTile(attachment) {
  const { icon: name, label } = kind(attachment.content_type);
  return h('span', { class: `file-tile kind-${name}`, title: attachment.content_type },
    icon(name), h('span', { class: 'visually-hidden' }, label));
}

function thumbnail(attachment, ticketId, open) {
  const img = h('img', {
    class: 'thumb', alt: '', width: 56, height: 56, decoding: 'async',
    dataset: { attachmentId: attachment.id },
  });
  const button = h('button', {
    type: 'button', class: 'thumb-button loading', 'aria-label': `Preview ${attachment.filename}`, tabindex: '-1',
  }, img);
  button.addEventListener('click', open);
  const fallBack = () => button.replaceWith(typeTile(attachment));
  img.addEventListener('load', () => button.classList.remove('loading'));
  img.addEventListener('error', fallBack);
  const load = () => api.signedUrl(ticketId, attachment.id, true)
    .then((signed) => { img.src = signed.signed_url; })
    .catch(fallBack);
  if (observer) {
    pending.set(button, load);
    observer.observe(button);
  } else {
    load();
  }
  return button;
}

function uploader(attachment, ctx) {
  if (attachment.uploaded_by_name) return attachment.uploaded_by_name;
  if (ctx.user && attachment.uploaded_by_user_id === ctx.user.id) return ctx.user.name;
  return 'someone';
}

function actionButton(name, label, cls, onclick) {
  return h('button', { type: 'button', class: `icon-button ${cls}`, 'aria-label': label, title: label, onclick },
    icon(name));
}

/** Runs an action with its button disabled, and shows its failure as a toast. */
async function busy(button, fn) {
  button.disabled = true;
  button.classList.add('busy');
  try {
    await fn();
  } catch (err) {
    toast(err.message, 'error');
  } finally {
    button.disabled = false;
    button.classList.remove('busy');
  }
}

/**
 * deps: {ticketId, ctx, onDeleted(attachment)}
 */
export function attachmentItem(attachment, deps) {
  const { ticketId, ctx } = deps;
  const canPreview = previewable(attachment.content_type);
  let item;

  const openPreview = () => busy(item.querySelector('.attachment-preview') || item, async () => {
    const [inline, download] = await Promise.all([
      api.signedUrl(ticketId, attachment.id, true),
      api.signedUrl(ticketId, attachment.id, false).catch(() => null),
    ]);
    preview(attachment, inline.signed_url, download && download.signed_url);
  });

  const download = (event) => busy(event.currentTarget, async () => {
    const signed = await api.signedUrl(ticketId, attachment.id, false);
    const link = h('a', { href: signed.signed_url, download: attachment.filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
  });

  const copy = (event) => busy(event.currentTarget, async () => {
    const signed = await api.signedUrl(ticketId, attachment.id, false, { fresh: true });
    const until = `It works without a key until ${fullDate(signed.expires_at)}.`;
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error('no clipboard');
      await navigator.clipboard.writeText(signed.signed_url);
      toast(`Link to “${attachment.filename}” copied. It works until ${time(signed.expires_at)}.`);
    } catch {
      showLink(signed.signed_url, until);
    }
  });

  const remove = (event) => busy(event.currentTarget, async () => {
    const yes = await confirm({
      title: `Delete “${attachment.filename}”?`,
      text: 'The file goes for everyone who can see this ticket, and links already shared stop working. This cannot be undone.',
      ok: 'Delete file',
    });
    if (!yes) return;
    await api.deleteAttachment(ticketId, attachment.id);
    api.forgetSigned(attachment.id);
    item.remove();
    toast(`Deleted “${attachment.filename}”.`);
    deps.onDeleted(attachment);
  });

  const name = canPreview
    ? h('button', { type: 'button', class: 'file-name link', onclick: openPreview }, attachment.filename)
    : h('span', { class: 'file-name' }, attachment.filename);

  item = h('li', {
    class: 'attachment',
    dataset: { attachmentId: attachment.id, filename: attachment.filename, contentType: attachment.content_type },
  },
  isImage(attachment.content_type) ? thumbnail(attachment, ticketId, openPreview) : typeTile(attachment),
  h('div', { class: 'file-text' },
    name,
    h('span', { class: 'file-meta' },
      h('span', { class: 'file-size' }, size(attachment.size_bytes)),
      h('span', { class: 'file-by' }, `by ${uploader(attachment, ctx)}`),
      h('time', { datetime: attachment.created_at, title: fullDate(attachment.created_at) },
        ago(attachment.created_at)))),
  h('div', { class: 'file-actions' },
    canPreview ? actionButton('eye', `Preview ${attachment.filename}`, 'attachment-preview', openPreview) : null,
    actionButton('download', `Download ${attachment.filename}`, 'attachment-download', download),
    actionButton('link', `Copy a signed link to ${attachment.filename}`, 'attachment-copy', copy),
    attachment.can_delete
      ? actionButton('trash', `Delete ${attachment.filename}`, 'attachment-delete danger', remove)
      : null));
  return item;
}

export function attachmentList(attachments, deps, id) {
  return h('ul', { class: 'attachments', id }, attachments.map((a) => attachmentItem(a, deps)));
}

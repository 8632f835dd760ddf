// The page's dialogs (<dialog> elements in index.html): a confirmation, a file preview and the
// signed-link fallback. Escape closes each of them (the browser sends `cancel`), and focus
// goes back to the button that opened it.

import { h, clear } from '../dom.js';

function open(dialog, focus) {
  const opener = document.activeElement;
  dialog.addEventListener('close', () => {
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
  }, { once: true });
  dialog.showModal();
  if (focus) focus.focus();
}

/** A click on the backdrop (outside the dialog's box) closes it. */
for (const dialog of document.querySelectorAll('dialog')) {
  dialog.addEventListener('click', (event) => {
    if (event.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right
      && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) dialog.close('cancel');
  });
}

/** Asks before something that cannot be undone; resolves to true when confirmed. */
export function confirm({ title, text, ok = 'Delete' }) {
  const dialog = document.getElementById('confirm-dialog');
  const okButton = document.getElementById('confirm-ok');
  const cancel = document.getElementById('confirm-cancel');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  okButton.textContent = ok;
  return new Promise((resolve) => {
    const done = (value) => () => dialog.close(value);
    const onOk = done('ok');
    const onCancel = done('cancel');
    okButton.addEventListener('click', onOk);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('close', () => {
      okButton.removeEventListener('click', onOk);
      cancel.removeEventListener('click', onCancel);
      resolve(dialog.returnValue === 'ok');
    }, { once: true });
    dialog.returnValue = '';
    open(dialog, cancel);
  });
}

const stage = () => document.getElementById('preview-stage');

/** Shows an image, a PDF or a video in the page, from a signed inline URL. */
export function preview(attachment, url, downloadUrl) {
  const dialog = document.getElementById('preview-dialog');
  document.getElementById('preview-title').textContent = attachment.filename;
  const download = document.getElementById('preview-download');
  download.href = downloadUrl || url;
  download.hidden = !downloadUrl;
  download.setAttribute('download', attachment.filename);
  download.setAttribute('aria-label', `Download ${attachment.filename}`);
  const type = attachment.content_type;
  const fallback = h('p', { class: 'preview-fallback', hidden: true },
    'This browser cannot show this file here. Use Download to open it.');
  let media;
  if (type.startsWith('image/')) {
    media = h('img', { src: url, alt: attachment.filename, class: 'preview-image' });
  } else if (type.startsWith('video/')) {
    media = h('video', { src: url, controls: true, preload: 'metadata', class: 'preview-video' });
  } else {
    media = h('iframe', { src: url, title: attachment.filename, class: 'preview-pdf' });
  }
  media.addEventListener('error', () => {
    media.hidden = true;
    fallback.hidden = false;
  });
  clear(stage()).append(media, fallback);
  dialog.addEventListener('close', () => clear(stage()), { once: true });
  open(dialog, document.getElementById('preview-close'));
}

document.getElementById('preview-close').addEventListener('click', () => {
  document.getElementById('preview-dialog').close();
});

/** When the clipboard is out of reach (plain http, or refused): show the link, selected. */
export function showLink(url, expiresAt) {
  const dialog = document.getElementById('link-dialog');
  const input = document.getElementById('link-url');
  input.value = url;
  document.getElementById('link-expiry').textContent = expiresAt;
  open(dialog, input);
  input.select();
}

document.getElementById('link-close').addEventListener('click', () => {
  document.getElementById('link-dialog').close();
});

// Upload by file picker or drag and drop, one progress bar per file, and the server's
// refusal in words. Limits come from /v1/attachment-restrictions.

import * as api from '../api.js';
import { h, icon } from '../dom.js';
import { size, typeList, plural } from '../format.js';

const PARALLEL = 2;

/**
 * A sentence for a refusal: its title first, then its detail. The server's problem document
 * says both for its own refusals, so no error code is interpreted here.
 */
function explain(err) {
  const lead = err.title && err.title !== err.detail ? `${err.title}.` : 'The upload failed.';
  return [lead, err.detail || err.message];
}

/**
 * opts: {ticketId, limits (or null), count() → files on the ticket now, onUploaded(attachment)}
 * Returns {element, cleanup}.
 */
export function uploader(opts) {
  const { limits } = opts;
  const input = h('input', {
    type: 'file', id: 'file-input', class: 'visually-hidden', multiple: true, tabindex: '-1',
    'aria-hidden': 'true',
  });
  const choose = h('button', { type: 'button', class: 'button', id: 'choose-files' },
    icon('upload'), h('span', {}, 'Choose files'));
  const list = h('ul', { class: 'uploads', id: 'upload-list', 'aria-live': 'polite' });
  const hint = h('p', { class: 'muted small', id: 'upload-limits' });
  const queue = [];
  let running = 0;
  let depth = 0;

  function refreshHint() {
    if (!limits) {
      hint.textContent = 'The server checks each file’s size and type.';
      return;
    }
    hint.textContent = `Up to ${size(limits.max_file_size_bytes)} per file · `
      + `${typeList(limits.allowed_content_types)} · `
      + `${opts.count()} of ${plural(limits.max_attachments_per_ticket, 'file')} on this ticket`;
  }

  function row(file) {
    const bar = h('progress', { max: '1', value: '0', 'aria-label': `Upload of ${file.name}` });
    const status = h('span', { class: 'upload-status' }, 'Waiting…');
    const close = h('button', { type: 'button', class: 'icon-button upload-dismiss', 'aria-label': `Cancel ${file.name}`, title: 'Cancel' },
      icon('close'));
    const item = h('li', { class: 'upload', dataset: { state: 'queued', filename: file.name } },
      h('div', { class: 'upload-head' },
        h('span', { class: 'upload-name' }, file.name),
        h('span', { class: 'muted small' }, size(file.size)),
        close),
      bar, status);
    return { item, bar, status, close };
  }

  function fail(view, err) {
    const [lead, detail] = explain(err);
    view.item.dataset.state = 'error';
    view.bar.remove();
    view.status.replaceWith(h('p', { class: 'upload-error', role: 'alert' },
      icon('alert'), h('span', {}, h('strong', {}, lead), detail ? ` ${detail}` : '')));
    view.close.setAttribute('aria-label', `Dismiss the message about ${view.item.dataset.filename}`);
    view.close.title = 'Dismiss';
    view.close.onclick = () => view.item.remove();
  }

  /** Refusals the page can tell before sending anything, in the page's own words. */
  function precheck(file) {
    if (!limits) return null;
    const max = limits.max_file_size_bytes;
    if (file.size > max) {
      return { title: `Too large: the limit is ${size(max)} per file`, detail: `“${file.name}” is ${size(file.size)}.` };
    }
    if (file.size === 0) return { title: 'The file is empty', detail: `“${file.name}” has no content.` };
    if (opts.count() + running >= limits.max_attachments_per_ticket) {
      return { title: 'This ticket has as many files as it may have', detail: `The limit is ${plural(limits.max_attachments_per_ticket, 'file')} per ticket.` };
    }
    return null;
  }

  function pump() {
    while (running < PARALLEL && queue.length) {
      const { file, view } = queue.shift();
      const refused = precheck(file);
      if (refused) {
        fail(view, refused);
        continue;
      }
      running += 1;
      view.item.dataset.state = 'uploading';
      view.status.textContent = 'Uploading… 0%';
      const job = api.upload(opts.ticketId, file, (fraction) => {
        view.bar.value = fraction;
        view.status.textContent = fraction < 1
          ? `Uploading… ${Math.floor(fraction * 100)}%` : 'Checking the file…';
      });
      view.close.onclick = () => job.abort();
      job.promise.then((attachment) => {
        view.item.dataset.state = 'done';
        view.bar.value = 1;
        view.status.replaceChildren(icon('check'), ' Uploaded');
        view.close.remove();
        opts.onUploaded(attachment);
        setTimeout(() => view.item.remove(), 4000);
      }, (err) => {
        if (err.code === 'aborted') view.item.remove();
        else fail(view, err);
      }).finally(() => {
        running -= 1;
        refreshHint();
        pump();
      });
    }
  }

  function add(files) {
    for (const file of files) {
      const view = row(file);
      view.close.onclick = () => {
        const at = queue.findIndex((q) => q.view === view);
        if (at >= 0) queue.splice(at, 1);
        view.item.remove();
      };
      list.append(view.item);
      queue.push({ file, view });
    }
    pump();
  }

  const zone = h('div', { class: 'dropzone', id: 'dropzone' },
    h('span', { class: 'drop-icon' }, icon('upload')),
    h('div', { class: 'drop-text' },
      h('p', { class: 'drop-title' }, 'Drop files here, or'),
      hint),
    choose, input);

  choose.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    add([...input.files]);
    input.value = '';
  });

  // Files dropped anywhere on the ticket page are taken; the page never navigates to them.
  const hasFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes('Files');
  const onEnter = (event) => {
    if (!hasFiles(event)) return;
    depth += 1;
    zone.classList.add('dragging');
  };
  const onOver = (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  };
  const onLeave = (event) => {
    if (!hasFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove('dragging');
  };
  const onDrop = (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    zone.classList.remove('dragging');
    add([...event.dataTransfer.files]);
  };
  const onUnload = (event) => {
    if (running === 0 && queue.length === 0) return;
    event.preventDefault();
    event.returnValue = '';
  };
  window.addEventListener('dragenter', onEnter);
  window.addEventListener('dragover', onOver);
  window.addEventListener('dragleave', onLeave);
  window.addEventListener('drop', onDrop);
  window.addEventListener('beforeunload', onUnload);
  refreshHint();

  const element = h('div', { class: 'uploader' }, zone, list);
  return {
    element,
    refresh: refreshHint,
    cleanup() {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
      window.removeEventListener('beforeunload', onUnload);
    },
  };
}

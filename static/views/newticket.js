// The "New ticket" dialog: a subject and an optional first message.

import * as api from '../api.js';

const dialog = document.getElementById('new-ticket-dialog');
const form = document.getElementById('new-ticket-form');
const subject = document.getElementById('new-ticket-subject');
const body = document.getElementById('new-ticket-body');
const error = document.getElementById('new-ticket-error');
const submit = document.getElementById('new-ticket-submit');
let created = () => {};

export function openNewTicket(onCreated) {
  created = onCreated;
  form.reset();
  error.hidden = true;
  subject.removeAttribute('aria-invalid');
  const opener = document.activeElement;
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'created' && opener && opener.isConnected) opener.focus();
  }, { once: true });
  dialog.returnValue = '';
  dialog.showModal();
  subject.focus();
}

function fail(text) {
  error.textContent = text;
  error.hidden = false;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!subject.value.trim()) {
    subject.setAttribute('aria-invalid', 'true');
    fail('A ticket needs a subject.');
    subject.focus();
    return;
  }
  submit.disabled = true;
  try {
    const ticket = await api.createTicket(subject.value.trim(), body.value.trim());
    dialog.close('created');
    created(ticket);
  } catch (err) {
    fail(err.message);
  } finally {
    submit.disabled = false;
  }
});

document.getElementById('new-ticket-cancel').addEventListener('click', () => dialog.close());

// Sign in by pasting an API key. The key goes to the server once, is exchanged for an HttpOnly
// session cookie, and is not kept anywhere by this page.

import * as api from '../api.js';
import { h, icon } from '../dom.js';

export function signInView(onSignedIn, notice) {
  const input = h('input', {
    type: 'password', id: 'signin-key', class: 'input mono', name: 'key', required: true,
    autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false',
    placeholder: 'atk_…', 'aria-describedby': 'signin-help',
  });
  const error = h('p', { class: 'form-error', id: 'signin-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button primary wide', id: 'signin-submit' },
    h('span', {}, 'Sign in'));

  const showError = (text) => {
    error.textContent = text;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
  };

  const form = h('form', { id: 'signin-form', class: 'signin-form', novalidate: true },
    h('label', { class: 'field', for: 'signin-key' }, h('span', {}, 'API key'), input),
    h('p', { class: 'muted small', id: 'signin-help' },
      'Paste the key that ', h('code', {}, 'attache serve'), ' printed, or one from ',
      h('code', {}, 'attache key create --user NAME'),
      '. It is exchanged for a session cookie and not stored by this page.'),
    error,
    submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      showError('Paste an API key first.');
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.classList.add('busy');
    error.hidden = true;
    try {
      const body = await api.signIn(key);
      input.value = '';
      onSignedIn(body);
    } catch (err) {
      showError(err.status === 401
        ? 'This key was not accepted. Check that it is complete and has not been revoked.'
        : err.message);
      input.select();
      input.focus();
    } finally {
      submit.disabled = false;
      submit.classList.remove('busy');
    }
  });

  return h('section', { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('div', { class: 'signin-card' },
      h('div', { class: 'signin-mark' }, icon('key')),
      h('h1', { id: 'signin-title' }, 'Sign in to attache'),
      h('p', { class: 'muted' }, 'Browse tickets, preview and share their files, and add new ones.'),
      notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
      form));
}

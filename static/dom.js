// Small DOM helpers: build elements without innerHTML, so no text is ever parsed as markup.

const SVG = 'http://www.w3.org/2000/svg';

/** h('a', {class: 'x', href: '#', onclick: fn, dataset: {id: 1}}, 'text', child) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'selected') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** An icon from the sprite in index.html. */
export function icon(name, extra = '') {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', `icon ${extra}`.trim());
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const use = document.createElementNS(SVG, 'use');
  use.setAttribute('href', `#i-${name}`);
  svg.append(use);
  return svg;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** A spinner with a sentence, for loading states. */
export function loading(text) {
  return h('div', { class: 'state-card', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('p', {}, text));
}

/** A designed error state with an optional action. */
export function errorCard(title, detail, action) {
  return h('div', { class: 'state-card error', role: 'alert' },
    icon('alert', 'state-icon'),
    h('h2', {}, title),
    detail ? h('p', {}, detail) : null,
    action || null);
}

/** A small message that goes away by itself. */
export function toast(text, kind = 'info') {
  const box = document.getElementById('toasts');
  const item = h('div', { class: `toast ${kind}` },
    icon(kind === 'error' ? 'alert' : 'check'), h('span', {}, text));
  box.append(item);
  setTimeout(() => item.classList.add('leaving'), 4500);
  setTimeout(() => item.remove(), 5000);
}

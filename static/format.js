// Formatting of sizes, times and content types for people.

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

export function size(bytes) {
  if (!Number.isFinite(bytes)) return '';
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value < 10 && !Number.isInteger(value) ? 1 : 0;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export function fullDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : full.format(date);
}

export function time(iso) {
  return clock.format(new Date(iso));
}

/** "3 minutes ago", "yesterday", or a date when older than a week. */
export function ago(iso) {
  const date = new Date(iso);
  const seconds = (date.getTime() - Date.now()) / 1000;
  if (Number.isNaN(seconds)) return iso;
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86400) return relative.format(Math.round(seconds / 86400), 'day');
  return day.format(date);
}

const KINDS = [
  [/^image\/(png|jpeg|gif|webp)$/, 'image', 'Image'],
  [/^image\//, 'image', 'Image'],
  [/^application\/pdf$/, 'pdf', 'PDF'],
  [/^video\//, 'video', 'Video'],
  [/^text\/html$/, 'code', 'HTML'],
  [/^text\//, 'text', 'Text'],
  [/zip|7z|gzip|compressed|tar/, 'archive', 'Archive'],
];

/** The icon name and a word for a content type. */
export function kind(contentType) {
  for (const [re, name, label] of KINDS) if (re.test(contentType || '')) return { icon: name, label };
  return { icon: 'file', label: 'File' };
}

/** Raster images, PDF and video show in the page; everything else downloads. */
export function previewable(contentType) {
  return /^image\/(png|jpeg|gif|webp)$|^application\/pdf$|^video\/(mp4|webm|ogg|quicktime)$/.test(contentType || '');
}

export function isImage(contentType) {
  return /^image\/(png|jpeg|gif|webp)$/.test(contentType || '');
}

const NAMES = {
  'text/plain': 'text', 'text/html': 'HTML', 'application/pdf': 'PDF', 'image/png': 'PNG',
  'image/jpeg': 'JPEG', 'image/gif': 'GIF', 'image/webp': 'WebP', 'video/mp4': 'MP4',
  'video/webm': 'WebM', 'video/ogg': 'Ogg video', 'video/quicktime': 'QuickTime',
  'application/zip': 'ZIP', 'application/x-7z-compressed': '7z', 'application/gzip': 'gzip',
};

/** "PNG, JPEG, PDF and text" from a list of content types. */
export function typeList(types) {
  const names = [...new Set((types || []).map((t) => NAMES[t] || t))];
  if (names.length < 2) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export function initials(name) {
  return (name || '?').trim().slice(0, 2).toUpperCase();
}

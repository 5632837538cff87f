// Number formatting shared by the pages: a dash for a figure the server left null.

export const DASH = '–';

export function num(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  return Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function int(value) {
  if (value === null || value === undefined) return DASH;
  return Math.round(value).toLocaleString('en-US');
}

export function pct(ratio, digits = 2) {
  if (ratio === null || ratio === undefined) return DASH;
  return `${num(ratio * 100, digits)}%`;
}

export function ms(value) {
  if (value === null || value === undefined) return DASH;
  return `${num(value, value < 10 ? 2 : 1)} ms`;
}

export function money(value, digits = 2) {
  if (value === null || value === undefined) return DASH;
  return `$${num(value, digits)}`;
}

/** A probability in the explainer: small ones keep their significant digits. */
export function prob(value) {
  if (value === null || value === undefined) return DASH;
  return value >= 0.01 ? value.toFixed(4) : value.toPrecision(3);
}

export function when(iso) {
  if (!iso) return DASH;
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "12 s ago", "3 min ago": how long since an ISO instant. */
export function ago(iso, now = Date.now()) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/**
 * A feature's served value, compact enough for a thousand of them: whole numbers (slot ids,
 * counts) as they are, other values to 4 significant digits without trailing zeros.
 */
export function feature(value) {
  if (value === null || value === undefined) return DASH;
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  const rounded = Number.isInteger(value) ? value : Number(value.toPrecision(4));
  const abs = Math.abs(rounded);
  return abs !== 0 && (abs < 1e-4 || abs >= 1e15) ? rounded.toPrecision(4) : String(rounded);
}

/** A size in bytes in binary units, as the server's settings write them (64MiB). */
export function bytes(value) {
  if (value === null || value === undefined || value < 0) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = value;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${num(v, v < 10 ? 2 : 1)} ${units[u]}`;
}

/** A duration in milliseconds, in the two largest units that matter: "850 ms", "12 s", "3 min 20 s". */
export function duration(millis) {
  if (millis === null || millis === undefined || millis < 0) return DASH;
  if (millis < 1000) return `${Math.round(millis)} ms`;
  const s = Math.round(millis / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  const m = Math.round(s / 60);
  if (m < 1440) return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
  const h = Math.round(m / 60);
  return h % 24 ? `${Math.floor(h / 24)} d ${h % 24} h` : `${h / 24} d`;
}

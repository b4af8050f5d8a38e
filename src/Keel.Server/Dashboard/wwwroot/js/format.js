// Numbers, money, durations and times as people read them. Money is USD; the API sends it as numbers.

/** $1,234.56 for large amounts, more digits for the fractions of a cent model calls cost. */
export function money(usd) {
  if (usd === null || usd === undefined || usd === '' || Number.isNaN(Number(usd))) return '—';
  const value = Number(usd);
  const abs = Math.abs(value);
  let digits = 2;
  if (abs !== 0 && abs < 0.0001) digits = 6;
  else if (abs !== 0 && abs < 0.01) digits = 5;
  else if (abs !== 0 && abs < 1) digits = 4;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: digits });
  return (value < 0 ? '-$' + text.slice(1) : '$' + text);
}

/** 950, 12.3k, 4.5M. */
export function count(n) {
  if (n === null || n === undefined) return '—';
  const value = Number(n);
  if (Math.abs(value) < 1000) return String(value);
  if (Math.abs(value) < 1_000_000) return trim(value / 1000) + 'k';
  return trim(value / 1_000_000) + 'M';
}

function trim(x) {
  return x.toFixed(x < 10 ? 1 : 0).replace(/\.0$/, '');
}

/** 850 ms, 3.2 s, 4 min 3 s, 2 h 5 min. */
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(Number(ms))) return '—';
  const value = Math.max(0, Number(ms));
  if (value < 1000) return Math.round(value) + ' ms';
  if (value < 60_000) return (value / 1000).toFixed(value < 10_000 ? 1 : 0) + ' s';
  const minutes = Math.floor(value / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((value % 60_000) / 1000)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Milliseconds between two ISO times; null when either is missing. */
export function between(start, end) {
  if (!start || !end) return null;
  return Date.parse(end) - Date.parse(start);
}

/** The local date and time, to the second. */
export function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "12 s ago", "3 min ago", "in 5 min", or the date for anything older than a day. */
export function ago(iso, now = Date.now()) {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = now - t;
  const abs = Math.abs(diff);
  const suffix = (text) => (diff >= 0 ? `${text} ago` : `in ${text}`);
  if (abs < 5_000) return diff >= 0 ? 'just now' : 'in a moment';
  if (abs < 60_000) return suffix(`${Math.round(abs / 1000)} s`);
  if (abs < 3_600_000) return suffix(`${Math.round(abs / 60_000)} min`);
  if (abs < 86_400_000) return suffix(`${Math.round(abs / 3_600_000)} h`);
  return time(iso);
}

/** A day key (2026-11-27) as "Nov 27". */
export function day(key) {
  const d = new Date(key + (key.length === 10 ? 'T00:00:00Z' : ''));
  if (Number.isNaN(d.getTime())) return key;
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** The start of a long id, enough to tell tasks apart in a list. */
export function shortId(id, length = 12) {
  if (!id) return '—';
  return id.length > length + 1 ? id.slice(0, length) + '…' : id;
}

/** Lower case first letter, for statuses the API may send in any case. */
export function lower(value) {
  return value === null || value === undefined ? '' : String(value).toLowerCase();
}

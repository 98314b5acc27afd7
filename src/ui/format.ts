const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`
}

/** 1_572_864 (bytes per second) → "1.5 MiB/s". */
export function formatSpeed(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '—'
  return `${formatBytes(Math.round(bytesPerSecond))}/s`
}

/** Seconds left as a person says it: "8 s left", "3 min left", "1 h 5 min left". */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return ''
  const s = Math.ceil(seconds)
  if (s < 60) return `${s} s left`
  const min = Math.round(s / 60)
  if (min < 60) return `${min} min left`
  const h = Math.floor(min / 60)
  const m = min % 60
  return m === 0 ? `${h} h left` : `${h} h ${m} min left`
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", relative to `now`. */
export function formatAgo(at: number, now: number = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000))
  if (s < 45) return 'just now'
  const min = Math.round(s / 60)
  if (min < 60) return `${min} min ago`
  const h = Math.round(min / 60)
  if (h < 24) return `${h} h ago`
  const d = Math.round(h / 24)
  return d === 1 ? 'yesterday' : `${d} days ago`
}

/** A date for the file list: "21 Nov 2025, 16:05" in the reader's locale. */
export function formatDate(at: number): string {
  return new Date(at).toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/** "12D3KooWAbc…xyz9": the start and end of a long peer id. */
export function shortId(id: string, head = 8, tail = 4): string {
  return id.length <= head + tail + 1 ? id : `${id.slice(0, head)}…${id.slice(-tail)}`
}

/** n / k as the space a backup costs: 1.5 → "1.5×", 2 → "2×". */
export function formatFactor(factor: number): string {
  const rounded = Math.round(factor * 100) / 100
  return `${rounded}×`
}

/** "1 share", "3 shares". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}

/** A span of time as a person says it: "20 s", "5 min", "3 h", "72 h", "5 days" (hours up to 99, as the settings count them). */
export function formatDuration(ms: number): string {
  const sec = Math.round(Math.max(0, ms) / 1000)
  if (sec < 60) return `${Math.max(1, sec)} s`
  const min = Math.round(sec / 60)
  if (min < 60) return `${min} min`
  const h = Math.round((min / 60) * 10) / 10
  if (h < 100) return `${Number.isInteger(h) || h >= 10 ? Math.round(h) : h} h`
  return plural(Math.round(h / 24), 'day')
}

/**
 * Pure formatting helpers shared by the live views and the plain lines: numbers as the original printed
 * them, proportional bars, sparklines, clock times.
 */

/** A number as Java's Double.toString prints it: `23.0`, `31.5`, `1.0E7`. The original printers used it. */
export function javaDouble(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0'
  const abs = Math.abs(value)
  if (abs >= 1e-3 && abs < 1e7) {
    const text = String(value)
    return text.includes('.') || text.includes('e') ? text : `${text}.0`
  }
  const [mantissa, exponent] = value.toExponential().split('e')
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`
}

/** The original printer's line: ` DB Summary : Records = 12, Value = 3456.5` (note the leading space). */
export function dbSummaryLine(totals: {records: number; value: number}): string {
  return ` DB Summary : Records = ${totals.records}, Value = ${javaDouble(totals.value)}`
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉']

/**
 * A horizontal bar `width` cells wide at most, proportional to value / max, in eighths of a cell.
 * A positive value always shows at least a sliver.
 */
export function bar(value: number, max: number, width: number): string {
  if (width <= 0 || max <= 0 || value <= 0) return ''
  const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * width * 8))
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]
}

/** The length of a bar in cells (a partial cell counts as one). */
export function barCells(text: string): number {
  return [...text].length
}

const SPARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']

/** A sparkline of the values, scaled from 0 to the largest value; `null` (no window) is a gap. */
export function sparkline(values: Array<number | null>): string {
  const max = Math.max(0, ...values.map((v) => v ?? 0))
  return values
    .map((v) => (v === null ? ' ' : max <= 0 || v <= 0 ? SPARKS[0] : SPARKS[Math.min(SPARKS.length - 1, Math.round((v / max) * (SPARKS.length - 1)))]))
    .join('')
}

/** 12,345 — counts with thousands separators; '–' when unknown. */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  return Math.round(value).toLocaleString('en-US')
}

/** A score or a sum: integers as is, otherwise up to 2 decimals. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US')
  return value.toLocaleString('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 2})
}

/** Records per second, e.g. `1,234 rec/s`; '–' when unknown. */
export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  return `${value >= 100 ? formatCount(value) : (Math.round(value * 10) / 10).toString()} rec/s`
}

const pad2 = (n: number): string => String(n).padStart(2, '0')

/** hh:mm:ss in local time; '–' when unknown. */
export function formatClock(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined || !Number.isFinite(epochMs)) return '–'
  const d = new Date(epochMs)
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
}

/** A short duration: `850ms`, `12s`, `3m05s`, `2h01m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${pad2(s % 60)}s`
  return `${Math.floor(m / 60)}h${pad2(m % 60)}m`
}

/** One line of text: newlines and tabs become spaces. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ')
}

/** A small SVG bar chart of each pipeline's throughput beside its ceiling, generated from the results. */
interface PlotFigure {
  id: string
  label: string
  unit: string
  median: number
  ceiling?: {median: number}
  ratio?: number
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function renderPlot(figures: PlotFigure[]): string {
  // The pipelines over preloaded topics (ids pipeline.*), each beside its kafkajs ceiling.
  const bars = figures.filter((f) => f.unit === 'records/s' && f.id.startsWith('pipeline.'))
  const width = 900
  const rowHeight = 46
  const left = 320
  const height = 60 + bars.length * rowHeight + 30
  const max = Math.max(1, ...bars.map((f) => Math.max(f.median, f.ceiling?.median ?? 0)))
  const scale = (v: number): number => ((width - left - 120) * v) / max
  const rows = bars.map((f, i) => {
    const y = 50 + i * rowHeight
    const ceiling = f.ceiling
      ? `<rect x="${left}" y="${y + 20}" width="${scale(f.ceiling.median).toFixed(1)}" height="14" fill="#c7c7c7"/>` +
        `<text x="${left + scale(f.ceiling.median) + 6}" y="${y + 31}" font-size="11" fill="#555">${Math.round(f.ceiling.median).toLocaleString('en-US')} ceiling</text>`
      : ''
    // "run views (1,000,000 views → ...)": the name, and what it ran over in small type below it.
    const cut = f.label.indexOf(' (')
    const [name, over] = cut > 0 ? [f.label.slice(0, cut), f.label.slice(cut + 2, -1)] : [f.label, '']
    return (
      `<text x="${left - 8}" y="${y + 15}" font-size="12" text-anchor="end">${escape(name)}</text>` +
      (over ? `<text x="${left - 8}" y="${y + 30}" font-size="9" fill="#555" text-anchor="end">${escape(over.length > 60 ? `${over.slice(0, 57)}...` : over)}</text>` : '') +
      `<rect x="${left}" y="${y + 4}" width="${scale(f.median).toFixed(1)}" height="16" fill="#2f6fb3"/>` +
      `<text x="${left + scale(f.median) + 6}" y="${y + 16}" font-size="11">${Math.round(f.median).toLocaleString('en-US')}${f.ratio !== undefined ? ` (${f.ratio.toFixed(2)} of the ceiling)` : ''}</text>` +
      ceiling
    )
  })
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="26" font-size="15" text-anchor="middle">Throughput (records/s, median): sstream (blue) beside the raw ceiling (grey)</text>`,
    ...rows,
    `</svg>`,
    '',
  ].join('\n')
}

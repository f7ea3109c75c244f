/** A small SVG bar chart of throughput per benchmark beside its ceiling, generated from the results. */
interface PlotFigure {
  label: string
  unit: string
  median: number
  ceiling?: {median: number}
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function renderPlot(figures: PlotFigure[]): string {
  const bars = figures.filter((f) => f.unit === 'records/s')
  const width = 900
  const rowHeight = 46
  const left = 300
  const height = 60 + bars.length * rowHeight + 30
  const max = Math.max(1, ...bars.map((f) => Math.max(f.median, f.ceiling?.median ?? 0)))
  const scale = (v: number): number => ((width - left - 120) * v) / max
  const rows = bars.map((f, i) => {
    const y = 50 + i * rowHeight
    const ceiling = f.ceiling
      ? `<rect x="${left}" y="${y + 20}" width="${scale(f.ceiling.median).toFixed(1)}" height="14" fill="#c7c7c7"/>` +
        `<text x="${left + scale(f.ceiling.median) + 6}" y="${y + 31}" font-size="11" fill="#555">${Math.round(f.ceiling.median).toLocaleString('en-US')} ceiling</text>`
      : ''
    return (
      `<text x="${left - 8}" y="${y + 17}" font-size="12" text-anchor="end">${escape(f.label)}</text>` +
      `<rect x="${left}" y="${y + 4}" width="${scale(f.median).toFixed(1)}" height="16" fill="#2f6fb3"/>` +
      `<text x="${left + scale(f.median) + 6}" y="${y + 16}" font-size="11">${Math.round(f.median).toLocaleString('en-US')}</text>` +
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

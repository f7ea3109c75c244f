import {Box, Static, Text} from 'ink'
import {useMemo, useRef, type ReactNode} from 'react'

import {useTheme} from '../hooks/use-theme.js'

export interface FeedLogProps<T extends {seq: number}> {
  /** The last items of the feed, oldest first, with increasing `seq`. */
  items: T[]
  /** One line for an item. */
  render: (item: T) => ReactNode
  /**
   * `static` (a view of its own): each item is printed once above the live region and scrolls away with
   * the terminal, like a log. `window` (a tile among others): the last `rows` items, redrawn.
   */
  variant: 'static' | 'window'
  /** Lines of the `window` variant. */
  rows?: number
  /** Items printed at most per redraw by the `static` variant; the rest are counted in one line. */
  maxBurst?: number
  width: number
}

/** An append-only feed: `<Static>` lines above the redrawn region, or a window of the latest lines. */
export function FeedLog<T extends {seq: number}>({items, render, variant, rows = 8, maxBurst = 25, width}: FeedLogProps<T>) {
  const theme = useTheme()
  const printed = useRef(0)
  const lastSeq = items.at(-1)?.seq ?? 0
  // The items that arrived since the last redraw, computed once per new item: a new key remounts <Static>,
  // which prints what it is given once. (The ref moves here, not in an effect, so that a redraw that comes
  // before effects have run never prints an item twice.)
  const burst = useMemo(() => {
    const from = printed.current
    printed.current = Math.max(from, lastSeq)
    const fresh = items.filter((item) => item.seq > from)
    const skipped = Math.max(0, lastSeq - from - Math.min(fresh.length, maxBurst))
    return {key: lastSeq, items: fresh.slice(-maxBurst), skipped}
  }, [lastSeq])

  if (variant === 'window') {
    const shown = items.slice(-Math.max(1, rows))
    return (
      <Box flexDirection="column" width={width}>
        {shown.map((item) => (
          <Box key={item.seq} width={width}>
            {render(item)}
          </Box>
        ))}
      </Box>
    )
  }
  type Line = {kind: 'skipped'; count: number} | {kind: 'item'; item: T}
  const lines: Line[] = [
    ...(burst.skipped > 0 ? [{kind: 'skipped' as const, count: burst.skipped}] : []),
    ...burst.items.map((item) => ({kind: 'item' as const, item})),
  ]
  return (
    <Static key={burst.key} items={lines}>
      {(line, index) => (
        <Box key={line.kind === 'item' ? line.item.seq : `skipped-${index}`} width={width}>
          {line.kind === 'item' ? render(line.item) : <Text>{theme.dim(`… ${line.count} more`)}</Text>}
        </Box>
      )}
    </Static>
  )
}

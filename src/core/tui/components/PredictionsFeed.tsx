import {Box, Text} from 'ink'

import {bar, formatCount, oneLine} from '../format.js'
import {useTheme} from '../hooks/use-theme.js'
import {LABELS, type PredictionItem, type PredictionsModel} from '../model.js'
import {FeedLog} from './FeedLog.js'

export interface PredictionsFeedProps {
  predictions: PredictionsModel
  width: number
  variant?: 'static' | 'window'
  feedRows?: number
}

const LABEL_WIDTH = Math.max(...LABELS.map((l) => l.length))

/** Reviews as they are labelled (truncated to the width, label coloured by class) and the label distribution. */
export function PredictionsFeed({predictions, width, variant = 'static', feedRows = 8}: PredictionsFeedProps) {
  const theme = useTheme()
  const labels = [...LABELS, ...Object.keys(predictions.distribution).filter((l) => !(LABELS as readonly string[]).includes(l))]
  const most = Math.max(0, ...Object.values(predictions.distribution))
  const countWidth = Math.max(1, ...labels.map((l) => formatCount(predictions.distribution[l] ?? 0).length))
  const barWidth = Math.max(4, Math.min(40, width - (LABEL_WIDTH + countWidth + 12)))
  return (
    <Box flexDirection="column" width={width}>
      <FeedLog items={predictions.feed} variant={variant} rows={feedRows} width={width} render={(item) => <PredictionLine item={item} />} />
      <Text wrap="truncate-end">
        {theme.bold('Predictions')}  {theme.dim(`${formatCount(predictions.total)} reviews labelled`)}
      </Text>
      {labels.map((label) => {
        const n = predictions.distribution[label] ?? 0
        const share = predictions.total > 0 ? Math.round((n / predictions.total) * 100) : 0
        const filled = bar(n, most, barWidth)
        return (
          <Text key={label} wrap="truncate-end">
            {theme.label(label, label.padEnd(LABEL_WIDTH))}  {formatCount(n).padStart(countWidth)}  {theme.label(label, filled)}
            {' '.repeat(Math.max(0, barWidth - [...filled].length))} {theme.dim(`${share}%`)}
          </Text>
        )
      })}
    </Box>
  )
}

/** One feed line: the label, coloured by class, then the review cut to the width. */
export function PredictionLine({item}: {item: PredictionItem}) {
  const theme = useTheme()
  return (
    <Text wrap="truncate-end">
      {theme.label(item.label, item.label.padEnd(LABEL_WIDTH))}  {oneLine(item.review)}
    </Text>
  )
}

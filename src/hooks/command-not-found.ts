/**
 * A mistyped command. On a terminal, @oclif/plugin-not-found asks "Did you mean …?" and runs the
 * suggestion when confirmed; without one (scripts, CI) that plugin only says the command does not exist,
 * so the suggestion is printed instead. Either way a command that does not exist is a usage error (exit 2).
 */
import {toConfiguredId, type Hook} from '@oclif/core'
import notFound from '@oclif/plugin-not-found'

const USAGE_ERROR = 2

const hook: Hook.CommandNotFound = async function (opts) {
  const context = {...this, error: (message: string | Error, options: {exit?: number} = {}) => this.error(message, {...options, exit: USAGE_ERROR})}
  if (process.stdin.isTTY && process.stderr.isTTY && synonym(opts.id) === undefined) return notFound.call(context as typeof this, opts)
  const bin = opts.config.bin
  const typed = toConfiguredId(opts.id, opts.config)
  const suggestion = synonym(opts.id) ?? suggestCommand(opts.id, visibleCommandIds(opts.config))
  const hint = suggestion ? ` Did you mean \`${bin} ${toConfiguredId(suggestion, opts.config)}\`?` : ''
  const topic = opts.config.findTopic(opts.id.split(':')[0] ?? '') ? ` ${opts.id.split(':')[0]}` : ''
  this.error(`\`${typed}\` is not a ${bin} command.${hint} Run \`${bin} help${topic}\` for the list of commands.`, {exit: USAGE_ERROR})
}

export default hook

/** What users of other Kafka CLIs type for an sstream command (kubectl, kafkactl and kaf have `completion bash`). */
const SYNONYMS: Record<string, string> = {completion: 'autocomplete'}

/** `completion bash` → `autocomplete bash`. */
function synonym(id: string): string | undefined {
  const [first = '', ...rest] = id.split(':')
  return Object.hasOwn(SYNONYMS, first) ? [SYNONYMS[first], ...rest].join(':') : undefined
}

function visibleCommandIds(config: Parameters<Hook.CommandNotFound>[0]['config']): string[] {
  const hidden = new Set(config.commands.filter((c) => c.hidden).map((c) => c.id))
  return [...config.commandIDs, ...config.commands.flatMap((c) => c.aliases)].filter((id) => !hidden.has(id))
}

/** The closest command id by edit distance, if it is close enough to be what was meant. */
export function suggestCommand(typed: string, ids: string[]): string | undefined {
  let best: {id: string; distance: number} | undefined
  for (const id of ids) {
    const distance = editDistance(typed, id)
    if (!best || distance < best.distance) best = {id, distance}
  }
  return best && best.distance <= Math.max(2, Math.floor(typed.length / 3)) ? best.id : undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

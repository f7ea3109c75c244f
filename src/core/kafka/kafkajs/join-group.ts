/**
 * A consumer stopped while it joins its group must not stay in the group. kafkajs 2.2.4 leaves the group on
 * `disconnect()` only once it has joined (the runner's `stop` returns at once while it is not running yet),
 * and its JoinGroup waits for every other member to rejoin, up to their rebalance timeout. A processor stopped
 * (Ctrl-C, SIGTERM) during that wait was cut short by the 10 s exit deadline with its JoinGroup still pending
 * at the coordinator; closing the connection does not withdraw it: the join completed with that member in it,
 * the group's leader assigned it partitions, and nobody read them until its session timed out. Other members'
 * `--until-idle` runs, caught up on their own partitions, then ended with records left unread.
 *
 * This module tracks, per group, the member ids of the JoinGroup requests this process has in flight
 * (`joiningMembers`), and lets a consumer that stops abandon its group's joins (`abandonJoins`): a JoinGroup
 * that fails or is asked while they are abandoned fails for good (non-retriable), so kafkajs stops joining.
 * The consumer then sends LeaveGroup for those members (consumer.ts), which answers their pending JoinGroup.
 *
 * `installJoinGroupTracking()` wraps kafkajs's `Broker.prototype.joinGroup`; the member id of each request is
 * read where kafkajs encodes it (its request lookup, asked synchronously at the start of `joinGroup`, so that
 * the retry with the member id the coordinator assigns — MEMBER_ID_REQUIRED — is seen as well).
 */
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

type Encode = (args: {memberId?: string}) => unknown
type Lookup = (apiKey: number, definition: unknown) => Encode

interface JoiningBroker {
  lookupRequest: Lookup
}

interface BrokerClass {
  prototype: {joinGroup: (this: JoiningBroker, request: {groupId: string}) => Promise<unknown>; [tracked]?: true}
}

const tracked = Symbol('sstream:Broker:joinGroup')

/** Per group id: the member ids of JoinGroup requests in flight. */
const joining = new Map<string, Map<string, number>>()
/** Per group id: how many stopping consumers abandoned its joins. */
const abandoned = new Map<string, number>()

/** The member ids this process is joining the group with right now. */
export function joiningMembers(groupId: string): string[] {
  return [...(joining.get(groupId)?.keys() ?? [])]
}

/** Makes every JoinGroup of the group fail for good until the returned function is called. */
export function abandonJoins(groupId: string): () => void {
  abandoned.set(groupId, (abandoned.get(groupId) ?? 0) + 1)
  let released = false
  return () => {
    if (released) return
    released = true
    const left = (abandoned.get(groupId) ?? 1) - 1
    if (left > 0) abandoned.set(groupId, left)
    else abandoned.delete(groupId)
  }
}

function track(groupId: string, memberId: string, delta: 1 | -1): void {
  const members = joining.get(groupId) ?? new Map<string, number>()
  const count = (members.get(memberId) ?? 0) + delta
  if (count > 0) members.set(memberId, count)
  else members.delete(memberId)
  if (members.size > 0) joining.set(groupId, members)
  else joining.delete(groupId)
}

export function installJoinGroupTracking(): void {
  const Broker = require('kafkajs/src/broker/index.js') as BrokerClass
  const {KafkaJSNonRetriableError} = require('kafkajs/src/errors.js') as {KafkaJSNonRetriableError: new (e: unknown) => Error}
  const proto = Broker.prototype
  if (proto[tracked]) return
  const original = proto.joinGroup
  const stopped = (groupId: string, cause?: unknown): Error =>
    new KafkaJSNonRetriableError(cause instanceof Error ? cause : new Error(`Stopped while joining the group ${groupId}.`))
  proto.joinGroup = function (this: JoiningBroker, request: {groupId: string}): Promise<unknown> {
    const {groupId} = request
    if (abandoned.has(groupId)) return Promise.reject(stopped(groupId))
    const sent: string[] = []
    const lookup = this.lookupRequest
    this.lookupRequest = (apiKey, definition) => {
      const encode = lookup.call(this, apiKey, definition)
      return (args) => {
        // Abandoned between kafkajs's first JoinGroup and its retry with the member id assigned: not sent.
        if (abandoned.has(groupId)) throw stopped(groupId)
        if (args.memberId) {
          sent.push(args.memberId)
          track(groupId, args.memberId, 1)
        }
        return encode(args)
      }
    }
    let result: Promise<unknown>
    try {
      result = original.call(this, request)
    } finally {
      this.lookupRequest = lookup
    }
    return result
      .catch((error: unknown) => {
        throw abandoned.has(groupId) ? stopped(groupId, error) : error
      })
      .finally(() => {
        for (const memberId of sent) track(groupId, memberId, -1)
      })
  }
  proto[tracked] = true
}

export function joinGroupTrackingInstalled(): boolean {
  const Broker = require('kafkajs/src/broker/index.js') as BrokerClass
  return Boolean(Broker.prototype[tracked])
}

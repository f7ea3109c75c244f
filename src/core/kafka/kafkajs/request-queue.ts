/**
 * No timer loop in kafkajs's request queues. kafkajs 2.2.4's `RequestQueue.scheduleCheckPendingRequests`
 * (network/requestQueue/index.js), called after every answer, arms a timer to look at the queue of requests
 * waiting to be sent even when none waits, with a delay of `throttledUntil − now`, which is negative when no
 * broker throttles (Node runs it after 1 ms); the timer's check arms the next one. Every connection that has
 * had an answer therefore runs a timer every millisecond for as long as it is open, busy or idle (kafkajs
 * issues 1556, 1604 and 1704, unfixed upstream): about a thousand wake-ups per second per connection, a few
 * per cent of a busy processor's main thread and most of an idle one's CPU.
 *
 * The replacement arms the timer only while requests wait (a broker's throttle, or the in-flight limit),
 * for when the throttle ends or, failing that, after kafkajs's 10 ms interval, as kafkajs does then; with
 * nothing waiting it arms none. Nothing else needs it: a request pushed while nothing waits is sent at once
 * or queued (which arms the timer), and every answer and request timeout checks the queue again.
 *
 * `installRequestQueueCheck()` patches the prototype of kafkajs's RequestQueue class (it works whether kafkajs
 * was loaded before or after); `requestQueueCheckInstalled()` says whether kafkajs's connections use it.
 */
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

/** kafkajs's CHECK_PENDING_REQUESTS_INTERVAL: how soon waiting requests are looked at when no throttle says when. */
export const CHECK_PENDING_INTERVAL_MS = 10

/** The parts of kafkajs's RequestQueue that the replacement uses. */
export interface PendingQueue {
  pending: unknown[]
  throttledUntil: number
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null
  checkPendingRequests(): void
}

/** Arms the check of the waiting requests, once, and only while some wait. */
export function scheduleCheckPendingRequests(this: PendingQueue): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return
  const throttled = this.throttledUntil - Date.now()
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null
      this.checkPendingRequests()
    },
    throttled > 0 ? throttled : CHECK_PENDING_INTERVAL_MS,
  )
}

const requestQueuePath = require.resolve('kafkajs/src/network/requestQueue/index.js')
const connectionPath = require.resolve('kafkajs/src/network/connection.js')

type RequestQueueClass = {prototype: {scheduleCheckPendingRequests?: unknown}}

export function installRequestQueueCheck(): void {
  // Loads only the request queue and its helpers (not the fetch or produce paths the other patches replace).
  const RequestQueue = require(requestQueuePath) as RequestQueueClass
  if (typeof RequestQueue.prototype.scheduleCheckPendingRequests === 'function') RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests
}

/**
 * Whether kafkajs's connections queue their requests through the replacement: the request queue's prototype
 * has it, and the connection module (loaded with kafkajs) still makes its queues from that class and file.
 */
export function requestQueueCheckInstalled(): boolean {
  const RequestQueue = require.cache[requestQueuePath]?.exports as RequestQueueClass | undefined
  const connection = require.cache[connectionPath]?.exports as unknown
  return (
    RequestQueue?.prototype.scheduleCheckPendingRequests === scheduleCheckPendingRequests &&
    typeof connection === 'function' &&
    String(connection).includes('new RequestQueue(') &&
    require.cache[connectionPath]?.children.some((child) => child.id === requestQueuePath) === true
  )
}

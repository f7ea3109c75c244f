/**
 * `--until-idle`: the run stops once every assigned partition is quiet on two checks in a row. Quiet means:
 * the task exists and has no work queued, the broker confirmed the partition at its log end without a break
 * for the idle timeout (and, after an outage, for the grace that lets producers send what they held: an
 * outage is not idleness), and — for an input partition — no record came for the idle timeout and, in a
 * windowed pipeline, it has said it is idle with no window left open; for a repartition partition, every
 * source is idle and no window is open. Either way, what the task did is committed.
 */
import type {IdleEvidence} from './idle-evidence.js'
import type {Task} from './task.js'

/** What the check needs to know of one assigned partition. */
export interface PartitionState {
  task: Task | undefined
  /** Work queued for the task. */
  pending: number
  /** What the broker confirmed about the partition standing at its log end. */
  evidence: Pick<IdleEvidence, 'atEndFor'>
  /** When the partition last had records (ms since the epoch). */
  lastRecordAt: number
}

export class UntilIdle {
  private quietChecks = 0
  private shared = false

  constructor(
    private readonly idleTimeoutMs: number,
    private readonly windowed: boolean,
    private readonly sessionTimeoutMs: number,
  ) {}

  /**
   * A (re)join: the count starts again. `shared`: other members hold some of the partitions. One of them
   * may be a process killed while it joined: the coordinator counted it in and gave it partitions, which
   * nobody reads until its session times out and the group rebalances. So a member that does not hold every
   * partition waits at least a session timeout and a half after its join before it may stop: the session,
   * and the time to hear of the rebalance that follows (a heartbeat goes every fifth of a session).
   */
  reset(shared = false): void {
    this.quietChecks = 0
    this.shared = shared
  }

  /** One check (a tick); true when the run may stop. `joinedAt`: when the member last joined the group. */
  check(now: number, joinedAt: number | undefined, partitions: Iterable<PartitionState>): boolean {
    const settling = this.shared ? Math.max(this.idleTimeoutMs, 1.5 * this.sessionTimeoutMs) : this.idleTimeoutMs
    if (joinedAt === undefined || now - joinedAt < settling) return false
    let quiet = true
    for (const partition of partitions) {
      if (!this.isQuiet(partition, now)) {
        quiet = false
        break
      }
    }
    this.quietChecks = quiet ? this.quietChecks + 1 : 0
    return this.quietChecks >= 2
  }

  private isQuiet({task, pending, evidence, lastRecordAt}: PartitionState, now: number): boolean {
    if (!task || pending > 0 || task.uncommitted || !evidence.atEndFor(now, this.idleTimeoutMs)) return false
    if (task.kind === 'merge') return task.idle && task.openWindows === 0
    if (now - lastRecordAt < this.idleTimeoutMs) return false
    return !this.windowed || (task.idle && task.openWindows === 0)
  }
}

/**
 * What the broker has confirmed about one partition, for deciding that it is idle (SPEC §4: an outage is
 * never idleness). A partition counts as idle only while the broker keeps answering and each answer shows
 * the task standing at the log end, for the whole idle timeout. The facts come from fresh answers only
 * (a fetch's high watermark, a ListOffsets reply); a failed or missing answer, a consumer crash or a
 * rebalance forgets them, so that a high watermark remembered from before a broker went away never makes
 * a partition look caught up.
 *
 * Durations are measured between answers, never up to the clock: "at the end for the idle timeout" means
 * an answer at the end came at least the idle timeout after the first one, with no break in between. Time
 * that passed since the last answer proves nothing (the broker may have died right after it: a kill -9
 * stops the answers and the records at once, so the clock alone would soon show a quiet partition at its
 * end while its producers hold records for it). Pure: the runtime passes the clock in.
 */
export class IdleEvidence {
  /** Since when every answer, without a break, has shown the partition at its log end. */
  private atEndSince: number | undefined
  /** Since when the broker has answered without a break (errors and gaps start it again). */
  private answeringSince: number | undefined
  /** The last answer. */
  private confirmedAt: number | undefined
  /** The answers broke off at least once (an outage, a crash, a rebalance) after having started. */
  private broken = false

  /**
   * @param freshForMs an answer older than this is no longer a fact: a longer gap between two answers
   *   (requests hanging while the broker is unreachable) counts as a break.
   * @param graceAfterBreakMs after a break, the broker must have answered this much longer than the idle
   *   timeout before a partition counts as idle: producers that buffered records through the outage need
   *   the time to reconnect and send them (the runtime's value says which backoffs it covers).
   */
  constructor(
    private readonly freshForMs: number,
    private readonly graceAfterBreakMs = 0,
  ) {}

  /** A fresh answer from the broker: the log of the partition ends at `logEnd`; the task stands at `position`. */
  observe(position: number | undefined, logEnd: number, now: number): void {
    if (this.confirmedAt === undefined || now - this.confirmedAt > this.freshForMs) this.forget()
    this.confirmedAt = now
    this.answeringSince ??= now
    if (position !== undefined && position >= logEnd) this.atEndSince ??= now
    else this.atEndSince = undefined
  }

  /** Records arrived: the partition is not idle, whatever was confirmed before. */
  recordsArrived(): void {
    this.atEndSince = undefined
  }

  /**
   * A fetch or a ListOffsets failed, the consumer crashed, answers stopped coming: an outage. Nothing confirmed
   * before holds, and idleness waits the grace after a break from now on.
   */
  forget(): void {
    if (this.confirmedAt !== undefined) this.broken = true
    this.restart()
  }

  /**
   * The task starts again from its commit, or the group rebalanced: nothing confirmed before holds, but the
   * broker did not go away (no producer is holding records back because of it): no grace.
   */
  restart(): void {
    this.atEndSince = undefined
    this.answeringSince = undefined
    this.confirmedAt = undefined
  }

  /** The last answer is fresh and showed the partition at its log end. */
  atEnd(now: number): boolean {
    return this.atEndSince !== undefined && this.fresh(now)
  }

  /**
   * At the log end, confirmed without a break for at least `forMs` (and the grace after a break): the last
   * answer, fresh, came at least that long after the first answer that showed the end.
   */
  atEndFor(now: number, forMs: number): boolean {
    return this.atEnd(now) && this.confirmedAt! - this.atEndSince! >= forMs && this.answeringFor(forMs)
  }

  /** At the log end now, with the broker answering without a break for at least `forMs` (and the grace after a break). */
  atEndAnsweringFor(now: number, forMs: number): boolean {
    return this.atEnd(now) && this.answeringFor(forMs)
  }

  /** For the engine's trace: what is confirmed, as ages at `now`. */
  describe(now: number): string {
    const age = (at: number | undefined): string => (at === undefined ? 'never' : `${now - at} ms ago`)
    return `at the end since ${age(this.atEndSince)}, answering since ${age(this.answeringSince)}, last answer ${age(this.confirmedAt)}${this.broken ? ', after a break' : ''}`
  }

  /** The answers, without a break, span at least `forMs` (and the grace after a break). */
  private answeringFor(forMs: number): boolean {
    return this.answeringSince !== undefined && this.confirmedAt! - this.answeringSince >= forMs + (this.broken ? this.graceAfterBreakMs : 0)
  }

  private fresh(now: number): boolean {
    return this.confirmedAt !== undefined && now - this.confirmedAt <= this.freshForMs
  }
}

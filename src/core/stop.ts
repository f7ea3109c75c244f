/**
 * Why something that runs until stopped did stop: one vocabulary for the engine's runs, `tail`, the demo,
 * the generators and the live views. Each result names the subset it can give (`Extract<StopReason, …>`).
 * - `until-idle`: every input partition was caught up and idle, and the last windows were written.
 * - `duration`: the time given (--duration) ran out.
 * - `max`: the number of records asked for (--max) was reached.
 * - `end`: the end the input had when reading started was reached (--exit-at-end).
 * - `signal`: SIGINT or SIGTERM (Ctrl-C): the command exits 130.
 * - `quit`: `q` in a live view, a normal end.
 */
export type StopReason = 'until-idle' | 'duration' | 'max' | 'end' | 'signal' | 'quit'

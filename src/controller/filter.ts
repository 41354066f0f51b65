/**
 * The controller's filter hook: which primary keys this controller
 * processes. Sharding is one filter (each replica accepts its share of the
 * keys); anything that can answer "is this key mine?" is another.
 *
 * @module
 */

/**
 * Decides which primary keys a controller processes.
 *
 * - Events for keys it does not accept are not queued.
 * - A queued key that stopped being accepted is skipped when its turn comes.
 * - With `subscribe`, the controller is told when answers may have changed
 *   and queues every cached primary key that became accepted (a targeted
 *   resync), so keys handed over from elsewhere are reconciled at once.
 *
 * @example
 * ```ts
 * import type { ControllerFilter } from "kubeloop";
 * // only objects in namespaces starting with "team-"
 * const filter: ControllerFilter = { accepts: (key) => key.startsWith("team-") };
 * ```
 */
export interface ControllerFilter {
  /** Whether the controller should process `key` now. Must be cheap and must not throw. */
  accepts(key: string): boolean;
  /** Be told when `accepts` may answer differently; returns an unsubscribe function. */
  subscribe?(listener: () => void): () => void;
}

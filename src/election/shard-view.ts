/**
 * What a replica needs to decide, without side effects, whether it owns a key:
 * the {@link ShardFilter} contract and the {@link ShardView} snapshot with its
 * pure {@link shardOwns} predicate.
 *
 * @module
 */
import { rendezvousOwner } from "./rendezvous.ts";

/**
 * What a controller consults to process only its share of the keys.
 * `owns` must be side-effect free (a filter may call it for every event);
 * `subscribe` listeners are called whenever the answer of `owns` may have
 * changed for some key, so keys a replica gains can be re-delivered.
 *
 * @example
 * ```ts
 * import type { ShardFilter } from "kubeloop";
 * const everything: ShardFilter = { owns: () => true, subscribe: () => () => {} };
 * ```
 */
export interface ShardFilter {
  /** Whether this replica may process `key` now. Side-effect free. */
  owns(key: string): boolean;
  /** Be told when ownership may have changed; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/**
 * An immutable snapshot of one member's view of its shard group. Together
 * with the current time it decides ownership ({@link shardOwns}).
 *
 * @example
 * ```ts
 * import { type ShardView, shardOwns } from "kubeloop";
 * const view: ShardView = {
 *   identity: "pod-a",
 *   members: ["pod-a", "pod-b"],
 *   others: ["pod-b"],
 *   validUntil: Date.now() + 10_000,
 *   holdUntil: 0,
 *   holdFrom: [],
 * };
 * shardOwns(view, "default/web", Date.now());
 * ```
 */
export interface ShardView {
  /** The member this view belongs to. */
  readonly identity: string;
  /** Live members, sorted; includes `identity` while the member is joined. */
  readonly members: readonly string[];
  /** Live members other than `identity`, sorted. */
  readonly others: readonly string[];
  /**
   * Clock time until which this member's view is known to be fresh (its renew
   * deadline). It owns nothing from then on, whatever timers have run.
   * 0 when it is not joined.
   */
  readonly validUntil: number;
  /** Until when this member holds back (0: no hold-back). */
  readonly holdUntil: number;
  /**
   * The members that were live when this member (re)joined and still are. While
   * any is left and `now < holdUntil`, this member owns nothing: such a member
   * may still act on a view that does not include this one.
   */
  readonly holdFrom: readonly string[];
}

/**
 * Whether the member of `view` owns `key` at clock time `now`: its view is
 * fresh (`now < validUntil`), it has the highest rendezvous weight among the
 * live members, and it is not holding back (a member that (re)joined owns
 * nothing until `holdUntil`, or until every member that was live when it
 * joined has gone: any of them may still act on a view without it, and on any
 * key). A pure function: nothing is read or written besides its arguments.
 *
 * @example
 * ```ts
 * import { type ShardView, shardOwns } from "kubeloop";
 * declare const view: ShardView;
 * const mine = ["ns/a", "ns/b"].filter((key) => shardOwns(view, key, Date.now()));
 * ```
 */
export function shardOwns(view: ShardView, key: string, now: number): boolean {
  if (!(now < view.validUntil)) return false;
  if (rendezvousOwner(key, view.members) !== view.identity) return false;
  if (now < view.holdUntil && view.holdFrom.length > 0) return false;
  return true;
}

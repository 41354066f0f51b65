/**
 * Sharding: N replicas split the keys of one resource between them. This
 * module gathers the pieces (see each for details):
 *
 * - `rendezvous.ts`: rendezvous hashing and membership lease names;
 * - `shard-view.ts`: the {@link ShardFilter} contract and the pure
 *   ownership predicate {@link shardOwns};
 * - `shard-membership.ts`: {@link ShardMembership}, one replica's lease,
 *   its watch of the group and the view that follows;
 * - `sharded-resource.ts`: {@link filteredInformer} and {@link shardedResource};
 * - `owned-informer.ts`: {@link OwnedInformer}, a cache of owned keys only.
 *
 * @module
 */
export { OwnedInformer, type OwnedInformerOptions } from "./owned-informer.ts";
export {
  fnv1a32,
  rendezvousOwner,
  rendezvousScore,
  SHARD_GROUP_LABEL,
  shardLeaseName,
} from "./rendezvous.ts";
export {
  ShardMembership,
  type ShardMembershipOptions,
  type ShardStatus,
} from "./shard-membership.ts";
export { type ShardFilter, type ShardView, shardOwns } from "./shard-view.ts";
export { filteredInformer, shardedResource } from "./sharded-resource.ts";

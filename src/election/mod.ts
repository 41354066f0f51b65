/**
 * High availability: Lease-based leader election and sharded key ownership
 * across replicas.
 *
 * @module
 */
export {
  DEFAULT_JITTER_FACTOR,
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  type LeaderElectionOutcome,
  type LeaderElectionStatus,
  LeaderElector,
  type LeaderElectorOptions,
  LeadershipLostError,
  validateElectionTimings,
} from "./leader-election.ts";
export {
  formatMicroTime,
  isLeaseConflict,
  kubeLeaseStore,
  type LeaseDeleteOptions,
  type LeaseInformerOptions,
  type LeaseStore,
} from "./lease-store.ts";
export {
  filteredInformer,
  fnv1a32,
  OwnedInformer,
  type OwnedInformerOptions,
  rendezvousOwner,
  rendezvousScore,
  SHARD_GROUP_LABEL,
  type ShardFilter,
  ShardMembership,
  type ShardMembershipOptions,
  type ShardStatus,
  type ShardView,
  shardedResource,
  shardLeaseName,
  shardOwns,
} from "./sharding.ts";

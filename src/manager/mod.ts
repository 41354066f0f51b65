/**
 * The {@link Manager}: several controllers and backgrounders over one shared
 * informer factory, optionally behind leader election or sharded across
 * replicas, with health and readiness for probes.
 *
 * @module
 */
export {
  type ManagedBackgrounderOptions,
  type ManagedControllerHealth,
  type ManagedControllerOptions,
  Manager,
  ManagerAlreadyStartedError,
  type ManagerHealth,
  type ManagerLeaderElectionOptions,
  type ManagerOptions,
  type ManagerShardingOptions,
} from "./manager.ts";

/**
 * Built-in kinds of `apps/v1`: Deployment, ReplicaSet, StatefulSet, DaemonSet. Re-exported from the generated `apps/v1` module
 * (`kubeloop/kinds/apps/v1`) under the names kubeloop has always used; kept so
 * deep imports of this file keep working. Nothing here is a hand-written schema.
 *
 * @module
 */
import type { Time } from "./primitives.ts";

export {
  type DaemonSet,
  DaemonSetSchema,
  DaemonSets,
  type Deployment,
  DeploymentSchema,
  Deployments,
  type ReplicaSet,
  ReplicaSetSchema,
  ReplicaSets,
  type StatefulSet,
  StatefulSetSchema,
  StatefulSets,
} from "../kinds/apps/v1.ts";

/**
 * The status fields Deployments, ReplicaSets and StatefulSets share: a view
 * for code that handles all three (their generated status types are assignable to it).
 *
 * @example
 * ```ts
 * import type { Deployment, WorkloadStatus } from "kubeloop";
 * declare const deploy: Deployment;
 * const status: WorkloadStatus = deploy.status ?? {};
 * const rolledOut =
 *   (status.observedGeneration ?? 0) >= (deploy.metadata.generation ?? 0) &&
 *   status.updatedReplicas === deploy.spec?.replicas &&
 *   status.availableReplicas === deploy.spec?.replicas;
 * ```
 */
export interface WorkloadStatus {
  /** The `metadata.generation` last observed by the controller. */
  observedGeneration?: number | undefined;
  /** Number of pods targeted by the controller (non-terminated). */
  replicas?: number | undefined;
  /** Number of pods with a Ready condition. */
  readyReplicas?: number | undefined;
  /** Number of pods available (ready for at least `minReadySeconds`). */
  availableReplicas?: number | undefined;
  /** Number of pods running the latest pod template. */
  updatedReplicas?: number | undefined;
  /** Number of pods still needed for the desired count to be available (Deployments). */
  unavailableReplicas?: number | undefined;
  /** Latest observations of the workload's state. */
  conditions?:
    | {
        type: string;
        status: string;
        reason?: string | undefined;
        message?: string | undefined;
        lastTransitionTime?: Time | null | undefined;
      }[]
    | undefined;
}

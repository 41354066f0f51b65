/**
 * Built-in kinds of the `apps/v1` API group: Deployment, ReplicaSet,
 * StatefulSet and DaemonSet.
 *
 * @module
 */
import { z } from "zod";
import {
  type Condition,
  ConditionSchema,
  type LabelSelector,
  LabelSelectorSchema,
  objectBase,
  type PodTemplateSpec,
  PodTemplateSpecSchema,
} from "./common.ts";
import type { KubernetesObject } from "./meta.ts";
import { defineResource, type ResourceType } from "./resource.ts";

/**
 * Status fields shared by the workload kinds.
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
  /** Number of pods still needed for the desired count to be available. */
  unavailableReplicas?: number | undefined;
  /** Latest observations of the workload's state. */
  conditions?: Condition[] | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

const workloadStatusShape = {
  observedGeneration: z.number().optional(),
  replicas: z.number().optional(),
  readyReplicas: z.number().optional(),
  availableReplicas: z.number().optional(),
  updatedReplicas: z.number().optional(),
  unavailableReplicas: z.number().optional(),
  conditions: z.array(ConditionSchema).optional(),
};

/**
 * A Deployment.
 *
 * @example
 * ```ts
 * import type { Deployment } from "kubeloop";
 * const deploy: Deployment = {
 *   metadata: { name: "web", namespace: "default" },
 *   spec: {
 *     replicas: 3,
 *     selector: { matchLabels: { app: "web" } },
 *     template: {
 *       metadata: { labels: { app: "web" } },
 *       spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
 *     },
 *   },
 * };
 * ```
 */
export interface Deployment extends KubernetesObject {
  /** Desired state: replicas, selector, pod template and rollout strategy. */
  spec?:
    | {
        replicas?: number | undefined;
        selector: LabelSelector;
        template: PodTemplateSpec;
        strategy?: { type?: string | undefined; [key: string]: unknown } | undefined;
        minReadySeconds?: number | undefined;
        revisionHistoryLimit?: number | undefined;
        paused?: boolean | undefined;
        progressDeadlineSeconds?: number | undefined;
        [key: string]: unknown;
      }
    | undefined;
  /** Observed state, written by the Deployment controller. */
  status?: WorkloadStatus | undefined;
}

/**
 * Schema for {@link Deployment}.
 *
 * @example
 * ```ts
 * import { DeploymentSchema } from "kubeloop";
 * declare const json: unknown;
 * const r = DeploymentSchema.safeParse(json);
 * if (r.success) console.log(r.data.spec?.replicas, r.data.status?.readyReplicas);
 * ```
 */
export const DeploymentSchema: ResourceType<Deployment>["schema"] = z.looseObject({
  ...objectBase,
  spec: z
    .looseObject({
      replicas: z.number().optional(),
      selector: LabelSelectorSchema,
      template: PodTemplateSpecSchema,
      strategy: z.looseObject({ type: z.string().optional() }).optional(),
      minReadySeconds: z.number().optional(),
      revisionHistoryLimit: z.number().optional(),
      paused: z.boolean().optional(),
      progressDeadlineSeconds: z.number().optional(),
    })
    .optional(),
  status: z.looseObject(workloadStatusShape).optional(),
});

/**
 * `apps/v1` Deployments.
 *
 * @example
 * ```ts
 * import { Deployments, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * await client.patch(Deployments, "web", { spec: { replicas: 5 } }, { type: "merge", namespace: "default" });
 * const deploy = await client.get(Deployments, "web", { namespace: "default" });
 * console.log(deploy.status?.readyReplicas);
 * ```
 */
export const Deployments: ResourceType<Deployment> = defineResource({
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  namespaced: true,
  schema: DeploymentSchema,
});

/**
 * A ReplicaSet.
 *
 * @example
 * ```ts
 * import type { ReplicaSet } from "kubeloop";
 * const rs: ReplicaSet = {
 *   metadata: {
 *     name: "web-7d9f",
 *     namespace: "default",
 *     ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "1234", controller: true }],
 *   },
 *   spec: { replicas: 3, selector: { matchLabels: { app: "web" } } },
 * };
 * ```
 */
export interface ReplicaSet extends KubernetesObject {
  /** Desired state: replicas, selector and pod template. */
  spec?:
    | {
        replicas?: number | undefined;
        selector: LabelSelector;
        template?: PodTemplateSpec | undefined;
        minReadySeconds?: number | undefined;
        [key: string]: unknown;
      }
    | undefined;
  /** Observed state, written by the ReplicaSet controller. */
  status?: (WorkloadStatus & { fullyLabeledReplicas?: number | undefined }) | undefined;
}

/**
 * Schema for {@link ReplicaSet}.
 *
 * @example
 * ```ts
 * import { ReplicaSetSchema } from "kubeloop";
 * const r = ReplicaSetSchema.safeParse({ metadata: { name: "web-7d9f" }, spec: { selector: { matchLabels: { app: "web" } } } });
 * if (r.success) console.log(r.data.spec?.selector.matchLabels);
 * ```
 */
export const ReplicaSetSchema: ResourceType<ReplicaSet>["schema"] = z.looseObject({
  ...objectBase,
  spec: z
    .looseObject({
      replicas: z.number().optional(),
      selector: LabelSelectorSchema,
      template: PodTemplateSpecSchema.optional(),
      minReadySeconds: z.number().optional(),
    })
    .optional(),
  status: z
    .looseObject({ ...workloadStatusShape, fullyLabeledReplicas: z.number().optional() })
    .optional(),
});

/**
 * `apps/v1` ReplicaSets.
 *
 * @example
 * ```ts
 * import { type KubeClient, ReplicaSets } from "kubeloop";
 * declare const client: KubeClient;
 * const list = await client.list(ReplicaSets, { namespace: "default", labelSelector: "app=web" });
 * const owned = list.items.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.kind === "Deployment"));
 * ```
 */
export const ReplicaSets: ResourceType<ReplicaSet> = defineResource({
  group: "apps",
  version: "v1",
  kind: "ReplicaSet",
  plural: "replicasets",
  namespaced: true,
  schema: ReplicaSetSchema,
});

/**
 * A StatefulSet.
 *
 * @example
 * ```ts
 * import type { StatefulSet } from "kubeloop";
 * const sts: StatefulSet = {
 *   metadata: { name: "db", namespace: "default" },
 *   spec: {
 *     replicas: 3,
 *     serviceName: "db",
 *     selector: { matchLabels: { app: "db" } },
 *     template: {
 *       metadata: { labels: { app: "db" } },
 *       spec: { containers: [{ name: "postgres", image: "postgres:16" }] },
 *     },
 *   },
 * };
 * ```
 */
export interface StatefulSet extends KubernetesObject {
  /** Desired state: replicas, selector, pod template, governing Service and volume claims. */
  spec?:
    | {
        replicas?: number | undefined;
        selector: LabelSelector;
        template: PodTemplateSpec;
        serviceName?: string | undefined;
        podManagementPolicy?: string | undefined;
        updateStrategy?: { type?: string | undefined; [key: string]: unknown } | undefined;
        volumeClaimTemplates?: KubernetesObject[] | undefined;
        [key: string]: unknown;
      }
    | undefined;
  /** Observed state, written by the StatefulSet controller (with current/update revisions). */
  status?:
    | (WorkloadStatus & {
        currentReplicas?: number | undefined;
        currentRevision?: string | undefined;
        updateRevision?: string | undefined;
      })
    | undefined;
}

/**
 * Schema for {@link StatefulSet}. `volumeClaimTemplates` are kept unvalidated.
 *
 * @example
 * ```ts
 * import { StatefulSetSchema } from "kubeloop";
 * declare const json: unknown;
 * const r = StatefulSetSchema.safeParse(json);
 * if (r.success) console.log(r.data.status?.currentRevision, r.data.status?.updateRevision);
 * ```
 */
export const StatefulSetSchema: ResourceType<StatefulSet>["schema"] = z.looseObject({
  ...objectBase,
  spec: z
    .looseObject({
      replicas: z.number().optional(),
      selector: LabelSelectorSchema,
      template: PodTemplateSpecSchema,
      serviceName: z.string().optional(),
      podManagementPolicy: z.string().optional(),
      updateStrategy: z.looseObject({ type: z.string().optional() }).optional(),
      volumeClaimTemplates: z.array(z.any()).optional(),
    })
    .optional(),
  status: z
    .looseObject({
      ...workloadStatusShape,
      currentReplicas: z.number().optional(),
      currentRevision: z.string().optional(),
      updateRevision: z.string().optional(),
    })
    .optional(),
});

/**
 * `apps/v1` StatefulSets.
 *
 * @example
 * ```ts
 * import { type KubeClient, StatefulSets } from "kubeloop";
 * declare const client: KubeClient;
 * const sts = await client.get(StatefulSets, "db", { namespace: "default" });
 * console.log(sts.status?.readyReplicas, "/", sts.spec?.replicas);
 * ```
 */
export const StatefulSets: ResourceType<StatefulSet> = defineResource({
  group: "apps",
  version: "v1",
  kind: "StatefulSet",
  plural: "statefulsets",
  namespaced: true,
  schema: StatefulSetSchema,
});

/**
 * A DaemonSet.
 *
 * @example
 * ```ts
 * import type { DaemonSet } from "kubeloop";
 * const ds: DaemonSet = {
 *   metadata: { name: "node-exporter", namespace: "monitoring" },
 *   spec: {
 *     selector: { matchLabels: { app: "node-exporter" } },
 *     template: {
 *       metadata: { labels: { app: "node-exporter" } },
 *       spec: { containers: [{ name: "exporter", image: "prom/node-exporter:v1.8.0" }], hostNetwork: true },
 *     },
 *   },
 * };
 * ```
 */
export interface DaemonSet extends KubernetesObject {
  /** Desired state: selector, pod template and update strategy. */
  spec?:
    | {
        selector: LabelSelector;
        template: PodTemplateSpec;
        updateStrategy?: { type?: string | undefined; [key: string]: unknown } | undefined;
        minReadySeconds?: number | undefined;
        [key: string]: unknown;
      }
    | undefined;
  /** Observed state: how many nodes run, should run and wrongly run the daemon pod. */
  status?:
    | {
        currentNumberScheduled?: number | undefined;
        desiredNumberScheduled?: number | undefined;
        numberMisscheduled?: number | undefined;
        numberReady?: number | undefined;
        numberAvailable?: number | undefined;
        updatedNumberScheduled?: number | undefined;
        observedGeneration?: number | undefined;
        conditions?: Condition[] | undefined;
        [key: string]: unknown;
      }
    | undefined;
}

/**
 * Schema for {@link DaemonSet}.
 *
 * @example
 * ```ts
 * import { DaemonSetSchema } from "kubeloop";
 * declare const json: unknown;
 * const r = DaemonSetSchema.safeParse(json);
 * if (r.success) console.log(r.data.status?.numberReady, "/", r.data.status?.desiredNumberScheduled);
 * ```
 */
export const DaemonSetSchema: ResourceType<DaemonSet>["schema"] = z.looseObject({
  ...objectBase,
  spec: z
    .looseObject({
      selector: LabelSelectorSchema,
      template: PodTemplateSpecSchema,
      updateStrategy: z.looseObject({ type: z.string().optional() }).optional(),
      minReadySeconds: z.number().optional(),
    })
    .optional(),
  status: z
    .looseObject({
      currentNumberScheduled: z.number().optional(),
      desiredNumberScheduled: z.number().optional(),
      numberMisscheduled: z.number().optional(),
      numberReady: z.number().optional(),
      numberAvailable: z.number().optional(),
      updatedNumberScheduled: z.number().optional(),
      observedGeneration: z.number().optional(),
      conditions: z.array(ConditionSchema).optional(),
    })
    .optional(),
});

/**
 * `apps/v1` DaemonSets.
 *
 * @example
 * ```ts
 * import { DaemonSets, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * const list = await client.list(DaemonSets, { namespace: "monitoring" });
 * for (const ds of list.items) console.log(ds.metadata.name, ds.status?.numberReady);
 * ```
 */
export const DaemonSets: ResourceType<DaemonSet> = defineResource({
  group: "apps",
  version: "v1",
  kind: "DaemonSet",
  plural: "daemonsets",
  namespaced: true,
  schema: DaemonSetSchema,
});

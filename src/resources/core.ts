/**
 * Built-in kinds of the core (`v1`) API group.
 *
 * @module
 */
import { z } from "zod";
import {
  type Condition,
  ConditionSchema,
  type ObjectReference,
  ObjectReferenceSchema,
  objectBase,
  type PodSpec,
  PodSpecSchema,
} from "./common.ts";
import { type KubernetesObject, ObjectMetaSchema, StringMapSchema } from "./meta.ts";
import { defineResource, type ResourceType } from "./resource.ts";

/**
 * A ConfigMap.
 *
 * @example
 * ```ts
 * import type { ConfigMap } from "kubeloop";
 * const cm: ConfigMap = { metadata: { name: "settings", namespace: "default" }, data: { mode: "fast" } };
 * ```
 */
export interface ConfigMap extends KubernetesObject {
  /** UTF-8 string entries. */
  data?: Record<string, string> | undefined;
  /** Binary entries, base64-encoded. */
  binaryData?: Record<string, string> | undefined;
  /** If true, `data` and `binaryData` can no longer be changed. */
  immutable?: boolean | undefined;
}

/**
 * Schema for {@link ConfigMap}.
 *
 * @example
 * ```ts
 * import { ConfigMapSchema } from "kubeloop";
 * const r = ConfigMapSchema.safeParse({ metadata: { name: "settings", namespace: "default" }, data: { mode: "fast" } });
 * if (r.success) console.log(r.data.data?.mode);
 * ```
 */
export const ConfigMapSchema: ResourceType<ConfigMap>["schema"] = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  data: StringMapSchema.optional(),
  binaryData: StringMapSchema.optional(),
  immutable: z.boolean().optional(),
});

/**
 * `v1` ConfigMaps.
 *
 * @example
 * ```ts
 * import { ConfigMaps, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * await client.create(ConfigMaps, { metadata: { name: "settings", namespace: "default" }, data: { mode: "fast" } });
 * const cm = await client.get(ConfigMaps, "settings", { namespace: "default" });
 * console.log(cm.data?.mode);
 * ```
 */
export const ConfigMaps: ResourceType<ConfigMap> = defineResource({
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
  schema: ConfigMapSchema,
});

/**
 * A Namespace.
 *
 * @example
 * ```ts
 * import type { Namespace } from "kubeloop";
 * const ns: Namespace = { metadata: { name: "team-a", labels: { team: "a" } } };
 * ```
 */
export interface Namespace extends KubernetesObject {
  /** Finalizers that must be removed before the namespace is deleted. */
  spec?: { finalizers?: string[] | undefined; [key: string]: unknown } | undefined;
  /** Observed state: `phase` is `Active` or `Terminating`. */
  status?: { phase?: string | undefined; [key: string]: unknown } | undefined;
}

/**
 * Schema for {@link Namespace}.
 *
 * @example
 * ```ts
 * import { NamespaceSchema } from "kubeloop";
 * const r = NamespaceSchema.safeParse({ metadata: { name: "team-a" }, status: { phase: "Active" } });
 * if (r.success) console.log(r.data.status?.phase);
 * ```
 */
export const NamespaceSchema: ResourceType<Namespace>["schema"] = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  spec: z.looseObject({ finalizers: z.array(z.string()).optional() }).optional(),
  status: z.looseObject({ phase: z.string().optional() }).optional(),
});

/**
 * `v1` Namespaces (cluster-scoped).
 *
 * @example
 * ```ts
 * import { type KubeClient, Namespaces } from "kubeloop";
 * declare const client: KubeClient;
 * const list = await client.list(Namespaces, { labelSelector: "team=a" });
 * for (const ns of list.items) console.log(ns.metadata.name, ns.status?.phase);
 * ```
 */
export const Namespaces: ResourceType<Namespace> = defineResource({
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
  schema: NamespaceSchema,
});

/**
 * Pod status: phase, conditions, IPs and container statuses (loose).
 *
 * @example
 * ```ts
 * import type { PodStatus } from "kubeloop";
 * const status: PodStatus = {
 *   phase: "Running",
 *   podIP: "10.244.0.12",
 *   conditions: [{ type: "Ready", status: "True" }],
 *   containerStatuses: [{ name: "web", ready: true, restartCount: 0 }],
 * };
 * ```
 */
export interface PodStatus {
  /** Lifecycle phase: `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`. */
  phase?: string | undefined;
  /** Pod conditions, e.g. `PodScheduled`, `Ready`. */
  conditions?: Condition[] | undefined;
  /** Human-readable message about why the pod is in this state. */
  message?: string | undefined;
  /** Brief CamelCase reason for the pod's state, e.g. `Evicted`. */
  reason?: string | undefined;
  /** IP of the node the pod runs on. */
  hostIP?: string | undefined;
  /** Primary IP of the pod. */
  podIP?: string | undefined;
  /** All IPs of the pod (one per address family). */
  podIPs?: { ip: string; [key: string]: unknown }[] | undefined;
  /** RFC 3339 time the pod was acknowledged by the kubelet. */
  startTime?: string | undefined;
  /** QoS class: `Guaranteed`, `Burstable` or `BestEffort`. */
  qosClass?: string | undefined;
  /** Status of each container in `spec.containers`. */
  containerStatuses?: ContainerStatus[] | undefined;
  /** Status of each container in `spec.initContainers`. */
  initContainerStatuses?: ContainerStatus[] | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * A container status: name, readiness, restarts; state kept unvalidated.
 *
 * @example
 * ```ts
 * import type { ContainerStatus, Pod } from "kubeloop";
 * declare const pod: Pod;
 * const statuses: ContainerStatus[] = pod.status?.containerStatuses ?? [];
 * const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
 * ```
 */
export interface ContainerStatus {
  /** Container name, as in the pod spec. */
  name: string;
  /** Whether the container passes its readiness probe. */
  ready?: boolean | undefined;
  /** Number of times the container has been restarted. */
  restartCount?: number | undefined;
  /** Image the container runs. */
  image?: string | undefined;
  /** Image ID (digest) of the running image. */
  imageID?: string | undefined;
  /** Runtime container ID, e.g. `containerd://<id>`. */
  containerID?: string | undefined;
  /** Whether the container has started (passed its startup probe). */
  started?: boolean | undefined;
  /** Other fields (state, lastState, ...), not validated. */
  [key: string]: unknown;
}

const ContainerStatusSchema: z.ZodType<ContainerStatus> = z.looseObject({
  name: z.string(),
  ready: z.boolean().optional(),
  restartCount: z.number().optional(),
  image: z.string().optional(),
  imageID: z.string().optional(),
  containerID: z.string().optional(),
  started: z.boolean().optional(),
});

/**
 * A Pod.
 *
 * @example
 * ```ts
 * import type { Pod } from "kubeloop";
 * const pod: Pod = {
 *   metadata: { name: "web-0", namespace: "default", labels: { app: "web" } },
 *   spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
 * };
 * ```
 */
export interface Pod extends KubernetesObject {
  /** Desired state of the pod. */
  spec?: PodSpec | undefined;
  /** Observed state of the pod, written by the kubelet. */
  status?: PodStatus | undefined;
}

/**
 * Schema for {@link Pod}. Containers are checked for `name`/`image` only, to keep validation cheap.
 *
 * @example
 * ```ts
 * import { PodSchema } from "kubeloop";
 * declare const json: unknown;
 * const r = PodSchema.safeParse(json);
 * if (r.success) console.log(r.data.metadata.name, r.data.status?.phase);
 * else console.log(r.error.issues);
 * ```
 */
export const PodSchema: ResourceType<Pod>["schema"] = z.looseObject({
  ...objectBase,
  spec: PodSpecSchema.optional(),
  status: z
    .looseObject({
      phase: z.string().optional(),
      conditions: z.array(ConditionSchema).optional(),
      message: z.string().optional(),
      reason: z.string().optional(),
      hostIP: z.string().optional(),
      podIP: z.string().optional(),
      podIPs: z.array(z.looseObject({ ip: z.string() })).optional(),
      startTime: z.string().optional(),
      qosClass: z.string().optional(),
      containerStatuses: z.array(ContainerStatusSchema).optional(),
      initContainerStatuses: z.array(ContainerStatusSchema).optional(),
    })
    .optional(),
});

/**
 * `v1` Pods.
 *
 * @example
 * ```ts
 * import { type KubeClient, Pods } from "kubeloop";
 * declare const client: KubeClient;
 * const page = await client.list(Pods, { namespace: "default", labelSelector: "app=web" });
 * for (const pod of page.items) console.log(pod.metadata.name, pod.status?.phase);
 * ```
 */
export const Pods: ResourceType<Pod> = defineResource({
  group: "",
  version: "v1",
  kind: "Pod",
  plural: "pods",
  namespaced: true,
  schema: PodSchema,
});

/**
 * A Secret. Values in `data` are base64; `stringData` is write-only.
 *
 * @example
 * ```ts
 * import type { Secret } from "kubeloop";
 * const secret: Secret = {
 *   metadata: { name: "db-credentials", namespace: "default" },
 *   type: "Opaque",
 *   stringData: { username: "app", password: "s3cret" },
 * };
 * ```
 */
export interface Secret extends KubernetesObject {
  /** Secret type, e.g. `Opaque` or `kubernetes.io/tls`. */
  type?: string | undefined;
  /** Entries with base64-encoded values. */
  data?: Record<string, string> | undefined;
  /** Write-only plain-text entries, merged into `data` by the API server. */
  stringData?: Record<string, string> | undefined;
  /** If true, `data` can no longer be changed. */
  immutable?: boolean | undefined;
}

/**
 * Schema for {@link Secret}.
 *
 * @example
 * ```ts
 * import { SecretSchema } from "kubeloop";
 * const r = SecretSchema.safeParse({ metadata: { name: "db-credentials" }, type: "Opaque", data: { username: "YXBw" } });
 * if (r.success) console.log(r.data.type);
 * ```
 */
export const SecretSchema: ResourceType<Secret>["schema"] = z.looseObject({
  ...objectBase,
  type: z.string().optional(),
  data: StringMapSchema.optional(),
  stringData: StringMapSchema.optional(),
  immutable: z.boolean().optional(),
});

/**
 * `v1` Secrets.
 *
 * @example
 * ```ts
 * import { type KubeClient, Secrets } from "kubeloop";
 * declare const client: KubeClient;
 * const secret = await client.get(Secrets, "db-credentials", { namespace: "default" });
 * const username = atob(secret.data?.username ?? "");
 * ```
 */
export const Secrets: ResourceType<Secret> = defineResource({
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  namespaced: true,
  schema: SecretSchema,
});

/**
 * A port of a Service.
 *
 * @example
 * ```ts
 * import type { ServicePort } from "kubeloop";
 * const http: ServicePort = { name: "http", protocol: "TCP", port: 80, targetPort: 8080 };
 * ```
 */
export interface ServicePort {
  /** Port name, unique within the Service; required with several ports. */
  name?: string | undefined;
  /** Protocol: `TCP` (default), `UDP` or `SCTP`. */
  protocol?: string | undefined;
  /** Port the Service exposes. */
  port: number;
  /** Port number or named container port the traffic is sent to. */
  targetPort?: number | string | undefined;
  /** Port on every node for `NodePort`/`LoadBalancer` Services. */
  nodePort?: number | undefined;
  /** Application protocol, e.g. `http` or `kubernetes.io/h2c`. */
  appProtocol?: string | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * A Service.
 *
 * @example
 * ```ts
 * import type { Service } from "kubeloop";
 * const svc: Service = {
 *   metadata: { name: "web", namespace: "default" },
 *   spec: { type: "ClusterIP", selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
 * };
 * ```
 */
export interface Service extends KubernetesObject {
  /** Desired state: type, selector, ports and cluster IPs. */
  spec?:
    | {
        type?: string | undefined;
        selector?: Record<string, string> | undefined;
        ports?: ServicePort[] | undefined;
        clusterIP?: string | undefined;
        clusterIPs?: string[] | undefined;
        externalName?: string | undefined;
        [key: string]: unknown;
      }
    | undefined;
  /** Observed state: load-balancer ingress points and conditions. */
  status?:
    | {
        loadBalancer?:
          | {
              ingress?:
                | {
                    ip?: string | undefined;
                    hostname?: string | undefined;
                    [key: string]: unknown;
                  }[]
                | undefined;
            }
          | undefined;
        conditions?: Condition[] | undefined;
        [key: string]: unknown;
      }
    | undefined;
}

/**
 * Schema for {@link Service}.
 *
 * @example
 * ```ts
 * import { ServiceSchema } from "kubeloop";
 * const r = ServiceSchema.safeParse({ metadata: { name: "web" }, spec: { ports: [{ port: 80 }] } });
 * if (r.success) console.log(r.data.spec?.ports?.[0]?.port);
 * ```
 */
export const ServiceSchema: ResourceType<Service>["schema"] = z.looseObject({
  ...objectBase,
  spec: z
    .looseObject({
      type: z.string().optional(),
      selector: StringMapSchema.optional(),
      ports: z
        .array(
          z.looseObject({
            name: z.string().optional(),
            protocol: z.string().optional(),
            port: z.number(),
            targetPort: z.union([z.number(), z.string()]).optional(),
            nodePort: z.number().optional(),
            appProtocol: z.string().optional(),
          }),
        )
        .optional(),
      clusterIP: z.string().optional(),
      clusterIPs: z.array(z.string()).optional(),
      externalName: z.string().optional(),
    })
    .optional(),
  status: z
    .looseObject({
      loadBalancer: z
        .looseObject({
          ingress: z
            .array(z.looseObject({ ip: z.string().optional(), hostname: z.string().optional() }))
            .optional(),
        })
        .optional(),
      conditions: z.array(ConditionSchema).optional(),
    })
    .optional(),
});

/**
 * `v1` Services.
 *
 * @example
 * ```ts
 * import { type KubeClient, Services } from "kubeloop";
 * declare const client: KubeClient;
 * const svc = await client.get(Services, "web", { namespace: "default" });
 * console.log(svc.spec?.clusterIP, svc.status?.loadBalancer?.ingress?.[0]?.ip);
 * ```
 */
export const Services: ResourceType<Service> = defineResource({
  group: "",
  version: "v1",
  kind: "Service",
  plural: "services",
  namespaced: true,
  schema: ServiceSchema,
});

/**
 * One subset of an {@link Endpoints} object.
 *
 * @example
 * ```ts
 * import type { EndpointSubset } from "kubeloop";
 * const subset: EndpointSubset = {
 *   addresses: [{ ip: "10.244.0.12", targetRef: { kind: "Pod", namespace: "default", name: "web-0" } }],
 *   ports: [{ name: "http", port: 8080, protocol: "TCP" }],
 * };
 * ```
 */
export interface EndpointSubset {
  /** Addresses ready to receive traffic. */
  addresses?:
    | {
        ip: string;
        hostname?: string | undefined;
        nodeName?: string | undefined;
        targetRef?: ObjectReference | undefined;
        [key: string]: unknown;
      }[]
    | undefined;
  /** Addresses not ready to receive traffic yet. */
  notReadyAddresses?: { ip: string; [key: string]: unknown }[] | undefined;
  /** Ports available on every address of the subset. */
  ports?:
    | {
        name?: string | undefined;
        port: number;
        protocol?: string | undefined;
        [key: string]: unknown;
      }[]
    | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * An Endpoints object (legacy; prefer EndpointSlice).
 *
 * @example
 * ```ts
 * import type { Endpoints } from "kubeloop";
 * const ep: Endpoints = {
 *   metadata: { name: "web", namespace: "default" },
 *   subsets: [{ addresses: [{ ip: "10.244.0.12" }], ports: [{ port: 8080 }] }],
 * };
 * ```
 */
export interface Endpoints extends KubernetesObject {
  /** Groups of addresses that share the same ports. */
  subsets?: EndpointSubset[] | undefined;
}

const EndpointAddressSchema = z.looseObject({
  ip: z.string(),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  targetRef: ObjectReferenceSchema.optional(),
});

/**
 * Schema for {@link Endpoints}.
 *
 * @example
 * ```ts
 * import { EndpointsSchema } from "kubeloop";
 * const r = EndpointsSchema.safeParse({ metadata: { name: "web" }, subsets: [{ addresses: [{ ip: "10.244.0.12" }] }] });
 * if (r.success) console.log(r.data.subsets?.length);
 * ```
 */
export const EndpointsSchema: ResourceType<Endpoints>["schema"] = z.looseObject({
  ...objectBase,
  subsets: z
    .array(
      z.looseObject({
        addresses: z.array(EndpointAddressSchema).optional(),
        notReadyAddresses: z.array(EndpointAddressSchema).optional(),
        ports: z
          .array(
            z.looseObject({
              name: z.string().optional(),
              port: z.number(),
              protocol: z.string().optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

/**
 * `v1` Endpoints.
 *
 * @example
 * ```ts
 * import { EndpointsResource, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * const ep = await client.get(EndpointsResource, "web", { namespace: "default" });
 * const ips = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
 * ```
 */
export const EndpointsResource: ResourceType<Endpoints> = defineResource({
  group: "",
  version: "v1",
  kind: "Endpoints",
  plural: "endpoints",
  namespaced: true,
  schema: EndpointsSchema,
});

/**
 * A Node.
 *
 * @example
 * ```ts
 * import type { Node } from "kubeloop";
 * const node: Node = {
 *   metadata: { name: "node-1", labels: { "kubernetes.io/os": "linux" } },
 *   spec: { unschedulable: false, taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] },
 * };
 * ```
 */
export interface Node extends KubernetesObject {
  /** Desired state: pod CIDRs, provider ID, taints and whether the node is schedulable. */
  spec?:
    | {
        podCIDR?: string | undefined;
        podCIDRs?: string[] | undefined;
        providerID?: string | undefined;
        unschedulable?: boolean | undefined;
        taints?:
          | { key: string; value?: string | undefined; effect: string; [key: string]: unknown }[]
          | undefined;
        [key: string]: unknown;
      }
    | undefined;
  /** Observed state: conditions, addresses, capacity and node info. */
  status?:
    | {
        conditions?: Condition[] | undefined;
        addresses?: { type: string; address: string }[] | undefined;
        capacity?: Record<string, string> | undefined;
        allocatable?: Record<string, string> | undefined;
        nodeInfo?: Record<string, unknown> | undefined;
        [key: string]: unknown;
      }
    | undefined;
}

/**
 * Schema for {@link Node}.
 *
 * @example
 * ```ts
 * import { NodeSchema } from "kubeloop";
 * const r = NodeSchema.safeParse({ metadata: { name: "node-1" }, status: { conditions: [{ type: "Ready", status: "True" }] } });
 * if (r.success) console.log(r.data.status?.conditions?.[0]?.status);
 * ```
 */
export const NodeSchema: ResourceType<Node>["schema"] = z.looseObject({
  ...objectBase,
  spec: z
    .looseObject({
      podCIDR: z.string().optional(),
      podCIDRs: z.array(z.string()).optional(),
      providerID: z.string().optional(),
      unschedulable: z.boolean().optional(),
      taints: z
        .array(z.looseObject({ key: z.string(), value: z.string().optional(), effect: z.string() }))
        .optional(),
    })
    .optional(),
  status: z
    .looseObject({
      conditions: z.array(ConditionSchema).optional(),
      addresses: z.array(z.looseObject({ type: z.string(), address: z.string() })).optional(),
      capacity: StringMapSchema.optional(),
      allocatable: StringMapSchema.optional(),
      nodeInfo: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});

/**
 * `v1` Nodes (cluster-scoped).
 *
 * @example
 * ```ts
 * import { type KubeClient, Nodes } from "kubeloop";
 * declare const client: KubeClient;
 * const nodes = await client.list(Nodes);
 * const ready = nodes.items.filter((n) =>
 *   n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
 * );
 * ```
 */
export const Nodes: ResourceType<Node> = defineResource({
  group: "",
  version: "v1",
  kind: "Node",
  plural: "nodes",
  namespaced: false,
  schema: NodeSchema,
});

/**
 * A ServiceAccount.
 *
 * @example
 * ```ts
 * import type { ServiceAccount } from "kubeloop";
 * const sa: ServiceAccount = {
 *   metadata: { name: "controller", namespace: "default" },
 *   automountServiceAccountToken: false,
 *   imagePullSecrets: [{ name: "registry" }],
 * };
 * ```
 */
export interface ServiceAccount extends KubernetesObject {
  /** Secrets pods of this account may use (legacy token secrets). */
  secrets?: ObjectReference[] | undefined;
  /** Secrets used to pull images for pods of this account. */
  imagePullSecrets?: { name?: string | undefined }[] | undefined;
  /** Whether pods of this account mount an API token by default. */
  automountServiceAccountToken?: boolean | undefined;
}

/**
 * Schema for {@link ServiceAccount}.
 *
 * @example
 * ```ts
 * import { ServiceAccountSchema } from "kubeloop";
 * const r = ServiceAccountSchema.safeParse({ metadata: { name: "controller", namespace: "default" } });
 * if (r.success) console.log(r.data.metadata.name);
 * ```
 */
export const ServiceAccountSchema: ResourceType<ServiceAccount>["schema"] = z.looseObject({
  ...objectBase,
  secrets: z.array(ObjectReferenceSchema).optional(),
  imagePullSecrets: z.array(z.looseObject({ name: z.string().optional() })).optional(),
  automountServiceAccountToken: z.boolean().optional(),
});

/**
 * `v1` ServiceAccounts.
 *
 * @example
 * ```ts
 * import { type KubeClient, ServiceAccounts } from "kubeloop";
 * declare const client: KubeClient;
 * await client.create(ServiceAccounts, { metadata: { name: "controller", namespace: "default" } });
 * ```
 */
export const ServiceAccounts: ResourceType<ServiceAccount> = defineResource({
  group: "",
  version: "v1",
  kind: "ServiceAccount",
  plural: "serviceaccounts",
  namespaced: true,
  schema: ServiceAccountSchema,
});

/**
 * A core `v1` Event.
 *
 * @example
 * ```ts
 * import type { CoreEvent } from "kubeloop";
 * const ev: CoreEvent = {
 *   metadata: { name: "web-0.17a1b2c3", namespace: "default" },
 *   involvedObject: { kind: "Pod", namespace: "default", name: "web-0" },
 *   reason: "Pulled",
 *   message: 'Container image "nginx:1.27" already present on machine',
 *   type: "Normal",
 *   count: 1,
 * };
 * ```
 */
export interface Event extends KubernetesObject {
  /** The object the event is about. */
  involvedObject: ObjectReference;
  /** Short CamelCase reason, e.g. `FailedScheduling`. */
  reason?: string | undefined;
  /** Human-readable description of the event. */
  message?: string | undefined;
  /** Event type: `Normal` or `Warning`. */
  type?: string | undefined;
  /** Number of times the event occurred. */
  count?: number | undefined;
  /** RFC 3339 time the event was first recorded. */
  firstTimestamp?: string | null | undefined;
  /** RFC 3339 time of the most recent occurrence. */
  lastTimestamp?: string | null | undefined;
  /** RFC 3339 micro-time the event was first observed. */
  eventTime?: string | null | undefined;
  /** Component (and host) that reported the event. */
  source?: { component?: string | undefined; host?: string | undefined } | undefined;
  /** Controller that emitted the event, e.g. `kubelet`. */
  reportingComponent?: string | undefined;
  /** Instance of the reporting controller, e.g. a pod name. */
  reportingInstance?: string | undefined;
  /** Action taken or failed regarding the object. */
  action?: string | undefined;
}

/**
 * Schema for {@link Event}.
 *
 * @example
 * ```ts
 * import { EventSchema } from "kubeloop";
 * declare const json: unknown;
 * const r = EventSchema.safeParse(json);
 * if (r.success) console.log(r.data.involvedObject.name, r.data.reason);
 * ```
 */
export const EventSchema: ResourceType<Event>["schema"] = z.looseObject({
  ...objectBase,
  involvedObject: ObjectReferenceSchema,
  reason: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
  count: z.number().optional(),
  firstTimestamp: z.string().nullable().optional(),
  lastTimestamp: z.string().nullable().optional(),
  eventTime: z.string().nullable().optional(),
  source: z
    .looseObject({ component: z.string().optional(), host: z.string().optional() })
    .optional(),
  reportingComponent: z.string().optional(),
  reportingInstance: z.string().optional(),
  action: z.string().optional(),
});

/**
 * Core `v1` Events.
 *
 * @example
 * ```ts
 * import { Events, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * const events = await client.list(Events, {
 *   namespace: "default",
 *   fieldSelector: "involvedObject.kind=Pod,involvedObject.name=web-0",
 * });
 * for (const ev of events.items) console.log(ev.type, ev.reason, ev.message);
 * ```
 */
export const Events: ResourceType<Event> = defineResource({
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  namespaced: true,
  schema: EventSchema,
});

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

/** A ConfigMap. */
export interface ConfigMap extends KubernetesObject {
  /** UTF-8 string entries. */
  data?: Record<string, string> | undefined;
  /** Binary entries, base64-encoded. */
  binaryData?: Record<string, string> | undefined;
  /** If true, `data` and `binaryData` can no longer be changed. */
  immutable?: boolean | undefined;
}

/** Schema for {@link ConfigMap}. */
export const ConfigMapSchema: ResourceType<ConfigMap>["schema"] = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  data: StringMapSchema.optional(),
  binaryData: StringMapSchema.optional(),
  immutable: z.boolean().optional(),
});

/** `v1` ConfigMaps. */
export const ConfigMaps: ResourceType<ConfigMap> = defineResource({
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
  schema: ConfigMapSchema,
});

/** A Namespace. */
export interface Namespace extends KubernetesObject {
  /** Finalizers that must be removed before the namespace is deleted. */
  spec?: { finalizers?: string[] | undefined; [key: string]: unknown } | undefined;
  /** Observed state: `phase` is `Active` or `Terminating`. */
  status?: { phase?: string | undefined; [key: string]: unknown } | undefined;
}

/** Schema for {@link Namespace}. */
export const NamespaceSchema: ResourceType<Namespace>["schema"] = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  spec: z.looseObject({ finalizers: z.array(z.string()).optional() }).optional(),
  status: z.looseObject({ phase: z.string().optional() }).optional(),
});

/** `v1` Namespaces (cluster-scoped). */
export const Namespaces: ResourceType<Namespace> = defineResource({
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
  schema: NamespaceSchema,
});

/** Pod status: phase, conditions, IPs and container statuses (loose). */
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

/** A container status: name, readiness, restarts; state kept unvalidated. */
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

/** A Pod. */
export interface Pod extends KubernetesObject {
  /** Desired state of the pod. */
  spec?: PodSpec | undefined;
  /** Observed state of the pod, written by the kubelet. */
  status?: PodStatus | undefined;
}

/** Schema for {@link Pod}. Containers are checked for `name`/`image` only, to keep validation cheap. */
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

/** `v1` Pods. */
export const Pods: ResourceType<Pod> = defineResource({
  group: "",
  version: "v1",
  kind: "Pod",
  plural: "pods",
  namespaced: true,
  schema: PodSchema,
});

/** A Secret. Values in `data` are base64; `stringData` is write-only. */
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

/** Schema for {@link Secret}. */
export const SecretSchema: ResourceType<Secret>["schema"] = z.looseObject({
  ...objectBase,
  type: z.string().optional(),
  data: StringMapSchema.optional(),
  stringData: StringMapSchema.optional(),
  immutable: z.boolean().optional(),
});

/** `v1` Secrets. */
export const Secrets: ResourceType<Secret> = defineResource({
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  namespaced: true,
  schema: SecretSchema,
});

/** A port of a Service. */
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

/** A Service. */
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

/** Schema for {@link Service}. */
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

/** `v1` Services. */
export const Services: ResourceType<Service> = defineResource({
  group: "",
  version: "v1",
  kind: "Service",
  plural: "services",
  namespaced: true,
  schema: ServiceSchema,
});

/** One subset of an {@link Endpoints} object. */
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

/** An Endpoints object (legacy; prefer EndpointSlice). */
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

/** Schema for {@link Endpoints}. */
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

/** `v1` Endpoints. */
export const EndpointsResource: ResourceType<Endpoints> = defineResource({
  group: "",
  version: "v1",
  kind: "Endpoints",
  plural: "endpoints",
  namespaced: true,
  schema: EndpointsSchema,
});

/** A Node. */
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

/** Schema for {@link Node}. */
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

/** `v1` Nodes (cluster-scoped). */
export const Nodes: ResourceType<Node> = defineResource({
  group: "",
  version: "v1",
  kind: "Node",
  plural: "nodes",
  namespaced: false,
  schema: NodeSchema,
});

/** A ServiceAccount. */
export interface ServiceAccount extends KubernetesObject {
  /** Secrets pods of this account may use (legacy token secrets). */
  secrets?: ObjectReference[] | undefined;
  /** Secrets used to pull images for pods of this account. */
  imagePullSecrets?: { name?: string | undefined }[] | undefined;
  /** Whether pods of this account mount an API token by default. */
  automountServiceAccountToken?: boolean | undefined;
}

/** Schema for {@link ServiceAccount}. */
export const ServiceAccountSchema: ResourceType<ServiceAccount>["schema"] = z.looseObject({
  ...objectBase,
  secrets: z.array(ObjectReferenceSchema).optional(),
  imagePullSecrets: z.array(z.looseObject({ name: z.string().optional() })).optional(),
  automountServiceAccountToken: z.boolean().optional(),
});

/** `v1` ServiceAccounts. */
export const ServiceAccounts: ResourceType<ServiceAccount> = defineResource({
  group: "",
  version: "v1",
  kind: "ServiceAccount",
  plural: "serviceaccounts",
  namespaced: true,
  schema: ServiceAccountSchema,
});

/** A core `v1` Event. */
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

/** Schema for {@link Event}. */
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

/** Core `v1` Events. */
export const Events: ResourceType<Event> = defineResource({
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  namespaced: true,
  schema: EventSchema,
});

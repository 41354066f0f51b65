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
  data?: Record<string, string> | undefined;
  binaryData?: Record<string, string> | undefined;
  immutable?: boolean | undefined;
}

/** Schema for {@link ConfigMap}. */
export const ConfigMapSchema: z.ZodType<ConfigMap> = z.looseObject({
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
  spec?: { finalizers?: string[] | undefined; [key: string]: unknown } | undefined;
  status?: { phase?: string | undefined; [key: string]: unknown } | undefined;
}

/** Schema for {@link Namespace}. */
export const NamespaceSchema: z.ZodType<Namespace> = z.looseObject({
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
  phase?: string | undefined;
  conditions?: Condition[] | undefined;
  message?: string | undefined;
  reason?: string | undefined;
  hostIP?: string | undefined;
  podIP?: string | undefined;
  podIPs?: { ip: string; [key: string]: unknown }[] | undefined;
  startTime?: string | undefined;
  qosClass?: string | undefined;
  containerStatuses?: ContainerStatus[] | undefined;
  initContainerStatuses?: ContainerStatus[] | undefined;
  [key: string]: unknown;
}

/** A container status: name, readiness, restarts; state kept unvalidated. */
export interface ContainerStatus {
  name: string;
  ready?: boolean | undefined;
  restartCount?: number | undefined;
  image?: string | undefined;
  imageID?: string | undefined;
  containerID?: string | undefined;
  started?: boolean | undefined;
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
  spec?: PodSpec | undefined;
  status?: PodStatus | undefined;
}

/** Schema for {@link Pod}. Containers are checked for `name`/`image` only, to keep validation cheap. */
export const PodSchema: z.ZodType<Pod> = z.looseObject({
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
  type?: string | undefined;
  data?: Record<string, string> | undefined;
  stringData?: Record<string, string> | undefined;
  immutable?: boolean | undefined;
}

/** Schema for {@link Secret}. */
export const SecretSchema: z.ZodType<Secret> = z.looseObject({
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
  name?: string | undefined;
  protocol?: string | undefined;
  port: number;
  targetPort?: number | string | undefined;
  nodePort?: number | undefined;
  appProtocol?: string | undefined;
  [key: string]: unknown;
}

/** A Service. */
export interface Service extends KubernetesObject {
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
export const ServiceSchema: z.ZodType<Service> = z.looseObject({
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
  addresses?:
    | {
        ip: string;
        hostname?: string | undefined;
        nodeName?: string | undefined;
        targetRef?: ObjectReference | undefined;
        [key: string]: unknown;
      }[]
    | undefined;
  notReadyAddresses?: { ip: string; [key: string]: unknown }[] | undefined;
  ports?:
    | {
        name?: string | undefined;
        port: number;
        protocol?: string | undefined;
        [key: string]: unknown;
      }[]
    | undefined;
  [key: string]: unknown;
}

/** An Endpoints object (legacy; prefer EndpointSlice). */
export interface Endpoints extends KubernetesObject {
  subsets?: EndpointSubset[] | undefined;
}

const EndpointAddressSchema = z.looseObject({
  ip: z.string(),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  targetRef: ObjectReferenceSchema.optional(),
});

/** Schema for {@link Endpoints}. */
export const EndpointsSchema: z.ZodType<Endpoints> = z.looseObject({
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
export const NodeSchema: z.ZodType<Node> = z.looseObject({
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
  secrets?: ObjectReference[] | undefined;
  imagePullSecrets?: { name?: string | undefined }[] | undefined;
  automountServiceAccountToken?: boolean | undefined;
}

/** Schema for {@link ServiceAccount}. */
export const ServiceAccountSchema: z.ZodType<ServiceAccount> = z.looseObject({
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
  involvedObject: ObjectReference;
  reason?: string | undefined;
  message?: string | undefined;
  type?: string | undefined;
  count?: number | undefined;
  firstTimestamp?: string | null | undefined;
  lastTimestamp?: string | null | undefined;
  eventTime?: string | null | undefined;
  source?: { component?: string | undefined; host?: string | undefined } | undefined;
  reportingComponent?: string | undefined;
  reportingInstance?: string | undefined;
  action?: string | undefined;
}

/** Schema for {@link Event}. */
export const EventSchema: z.ZodType<Event> = z.looseObject({
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

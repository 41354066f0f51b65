/**
 * `discovery.k8s.io/v1` EndpointSlice.
 *
 * @module
 */
import { z } from "zod";
import { type ObjectReference, ObjectReferenceSchema, objectBase } from "./common.ts";
import type { KubernetesObject } from "./meta.ts";
import { defineResource, type ResourceType } from "./resource.ts";

/**
 * One endpoint of an {@link EndpointSlice}.
 *
 * @example
 * ```ts
 * import type { Endpoint } from "kubeloop";
 * const endpoint: Endpoint = {
 *   addresses: ["10.244.0.12"],
 *   conditions: { ready: true, serving: true, terminating: false },
 *   nodeName: "node-1",
 *   targetRef: { kind: "Pod", namespace: "default", name: "web-0" },
 * };
 * ```
 */
export interface Endpoint {
  /** IP addresses (or FQDNs) of the endpoint, per `addressType`. */
  addresses: string[];
  /** Readiness: `ready`, `serving` and `terminating`. */
  conditions?:
    | {
        ready?: boolean | null | undefined;
        serving?: boolean | null | undefined;
        terminating?: boolean | null | undefined;
      }
    | undefined;
  /** Hostname of the endpoint, used for DNS records. */
  hostname?: string | undefined;
  /** Name of the node hosting the endpoint. */
  nodeName?: string | undefined;
  /** Zone the endpoint is in. */
  zone?: string | undefined;
  /** Object backing the endpoint, usually a Pod. */
  targetRef?: ObjectReference | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * An EndpointSlice.
 *
 * @example
 * ```ts
 * import type { EndpointSlice } from "kubeloop";
 * const slice: EndpointSlice = {
 *   metadata: { name: "web-abc12", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
 *   addressType: "IPv4",
 *   endpoints: [{ addresses: ["10.244.0.12"], conditions: { ready: true } }],
 *   ports: [{ name: "http", port: 8080, protocol: "TCP" }],
 * };
 * ```
 */
export interface EndpointSlice extends KubernetesObject {
  /** Address type: `IPv4`, `IPv6` or `FQDN`. */
  addressType: string;
  /** Endpoints in this slice. */
  endpoints?: Endpoint[] | null | undefined;
  /** Ports exposed by every endpoint in the slice. */
  ports?:
    | {
        name?: string | undefined;
        port?: number | undefined;
        protocol?: string | undefined;
        appProtocol?: string | undefined;
        [key: string]: unknown;
      }[]
    | null
    | undefined;
}

/**
 * Schema for {@link EndpointSlice}.
 *
 * @example
 * ```ts
 * import { EndpointSliceSchema } from "kubeloop";
 * declare const json: unknown;
 * const r = EndpointSliceSchema.safeParse(json);
 * if (r.success) console.log(r.data.addressType, r.data.endpoints?.length);
 * ```
 */
export const EndpointSliceSchema: ResourceType<EndpointSlice>["schema"] = z.looseObject({
  ...objectBase,
  addressType: z.string(),
  endpoints: z
    .array(
      z.looseObject({
        addresses: z.array(z.string()),
        conditions: z
          .looseObject({
            ready: z.boolean().nullable().optional(),
            serving: z.boolean().nullable().optional(),
            terminating: z.boolean().nullable().optional(),
          })
          .optional(),
        hostname: z.string().optional(),
        nodeName: z.string().optional(),
        zone: z.string().optional(),
        targetRef: ObjectReferenceSchema.optional(),
      }),
    )
    .nullable()
    .optional(),
  ports: z
    .array(
      z.looseObject({
        name: z.string().optional(),
        port: z.number().optional(),
        protocol: z.string().optional(),
        appProtocol: z.string().optional(),
      }),
    )
    .nullable()
    .optional(),
});

/**
 * `discovery.k8s.io/v1` EndpointSlices.
 *
 * @example
 * ```ts
 * import { EndpointSlices, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * const slices = await client.list(EndpointSlices, {
 *   namespace: "default",
 *   labelSelector: "kubernetes.io/service-name=web",
 * });
 * const ready = slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready));
 * ```
 */
export const EndpointSlices: ResourceType<EndpointSlice> = defineResource({
  group: "discovery.k8s.io",
  version: "v1",
  kind: "EndpointSlice",
  plural: "endpointslices",
  namespaced: true,
  schema: EndpointSliceSchema,
});

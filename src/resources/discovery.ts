/**
 * `discovery.k8s.io/v1` EndpointSlice.
 *
 * @module
 */
import { z } from "zod";
import { type ObjectReference, ObjectReferenceSchema, objectBase } from "./common.ts";
import type { KubernetesObject } from "./meta.ts";
import { defineResource, type ResourceType } from "./resource.ts";

/** One endpoint of an {@link EndpointSlice}. */
export interface Endpoint {
  addresses: string[];
  conditions?:
    | {
        ready?: boolean | null | undefined;
        serving?: boolean | null | undefined;
        terminating?: boolean | null | undefined;
      }
    | undefined;
  hostname?: string | undefined;
  nodeName?: string | undefined;
  zone?: string | undefined;
  targetRef?: ObjectReference | undefined;
  [key: string]: unknown;
}

/** An EndpointSlice. */
export interface EndpointSlice extends KubernetesObject {
  addressType: string;
  endpoints?: Endpoint[] | null | undefined;
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

/** Schema for {@link EndpointSlice}. */
export const EndpointSliceSchema: z.ZodType<EndpointSlice> = z.looseObject({
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

/** `discovery.k8s.io/v1` EndpointSlices. */
export const EndpointSlices: ResourceType<EndpointSlice> = defineResource({
  group: "discovery.k8s.io",
  version: "v1",
  kind: "EndpointSlice",
  plural: "endpointslices",
  namespaced: true,
  schema: EndpointSliceSchema,
});

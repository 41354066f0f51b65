/**
 * The `Website` custom resource of the operator example: its TypeScript type,
 * its schema and resource type (`defineResource`), and the CRD manifest that
 * installs it (with the status subresource).
 *
 * In your own project, import from `"kubeloop"` instead of `../../src/mod.ts`.
 *
 * @module
 */
import { z } from "zod";
import {
  type Condition,
  ConditionSchema,
  type CustomResourceDefinition,
  defineResource,
  type KubernetesObject,
  ObjectMetaSchema,
  type ResourceType,
} from "../../src/mod.ts";

/** The API group of the example's custom resources. */
export const GROUP = "example.kubeloop.dev";

/** What a Website asks for. */
export interface WebsiteSpec {
  /** The host name it is served under (registered in the external registry). */
  host: string;
  /** The page served at `/`. */
  content: string;
  /** Web server replicas (default 1). */
  replicas?: number | undefined;
  /** Web server image (default `nginx:1.27`). */
  image?: string | undefined;
}

/** What the operator reports back. */
export interface WebsiteStatus {
  /** The `metadata.generation` this status was computed from. */
  observedGeneration?: number | undefined;
  /** `Reconciled` (children applied, host registered) and `Available` (the Deployment is up). */
  conditions?: Condition[] | undefined;
  /** The host currently registered for this Website. */
  registeredHost?: string | undefined;
  /** Where the site is served. */
  url?: string | undefined;
}

/** A Website: a host name and a page, served by a Deployment behind a Service. */
export interface Website extends KubernetesObject {
  spec: WebsiteSpec;
  status?: WebsiteStatus | undefined;
}

/** Validates Websites (unknown fields are kept). */
export const WebsiteSchema: z.ZodType<Website> = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  spec: z.looseObject({
    host: z.string().min(1),
    content: z.string(),
    replicas: z.number().int().min(0).optional(),
    image: z.string().optional(),
  }),
  status: z
    .looseObject({
      observedGeneration: z.number().optional(),
      conditions: z.array(ConditionSchema).optional(),
      registeredHost: z.string().optional(),
      url: z.string().optional(),
    })
    .optional(),
}) as unknown as z.ZodType<Website>;

/** `example.kubeloop.dev/v1` Websites (namespaced). */
export const Websites: ResourceType<Website> = defineResource({
  group: GROUP,
  version: "v1",
  kind: "Website",
  plural: "websites",
  namespaced: true,
  schema: WebsiteSchema,
});

/** The CRD that installs Websites (status subresource on, printer columns for `kubectl get`). */
export const websiteCrd: CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `websites.${GROUP}` },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: { plural: "websites", singular: "website", kind: "Website", listKind: "WebsiteList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "Host", type: "string", jsonPath: ".spec.host" },
          {
            name: "Ready",
            type: "string",
            jsonPath: '.status.conditions[?(@.type=="Available")].status',
          },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["host", "content"],
                properties: {
                  host: { type: "string", minLength: 1 },
                  content: { type: "string" },
                  replicas: { type: "integer", minimum: 0 },
                  image: { type: "string" },
                },
              },
              status: {
                type: "object",
                properties: {
                  observedGeneration: { type: "integer" },
                  registeredHost: { type: "string" },
                  url: { type: "string" },
                  conditions: {
                    type: "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["type"],
                    items: {
                      type: "object",
                      required: ["type", "status", "lastTransitionTime", "reason", "message"],
                      properties: {
                        type: { type: "string" },
                        status: { type: "string", enum: ["True", "False", "Unknown"] },
                        observedGeneration: { type: "integer" },
                        lastTransitionTime: { type: "string", format: "date-time" },
                        reason: { type: "string" },
                        message: { type: "string" },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

/**
 * `events.k8s.io/v1` Event, the newer events API (the core `v1` Event is in
 * core.ts).
 *
 * @module
 */
import { z } from "zod";
import { type ObjectReference, ObjectReferenceSchema, objectBase } from "./common.ts";
import type { KubernetesObject } from "./meta.ts";
import { defineResource, type ResourceType } from "./resource.ts";

/**
 * An `events.k8s.io/v1` Event.
 *
 * @example
 * ```ts
 * import type { EventV1 } from "kubeloop";
 * const ev: EventV1 = {
 *   metadata: { name: "web.17a1b2c3", namespace: "default" },
 *   eventTime: "2024-01-01T00:00:00.000000Z",
 *   regarding: { apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "web" },
 *   reason: "Scaled",
 *   note: "Scaled up to 5 replicas",
 *   type: "Normal",
 *   action: "Scale",
 *   reportingController: "example.com/web-controller",
 *   reportingInstance: "web-controller-0",
 * };
 * ```
 */
export interface EventV1 extends KubernetesObject {
  /** RFC 3339 micro-time the event was first observed. */
  eventTime: string | null;
  /** The object the event is about. */
  regarding?: ObjectReference | undefined;
  /** A second object involved in the event, if any. */
  related?: ObjectReference | undefined;
  /** Short CamelCase reason, e.g. `FailedScheduling`. */
  reason?: string | undefined;
  /** Human-readable description of the event. */
  note?: string | undefined;
  /** Event type: `Normal` or `Warning`. */
  type?: string | undefined;
  /** Action taken or failed regarding the `regarding` object. */
  action?: string | undefined;
  /** Controller that emitted the event, e.g. `kubernetes.io/kubelet`. */
  reportingController?: string | undefined;
  /** Instance of the reporting controller, e.g. a pod name. */
  reportingInstance?: string | undefined;
  /** Set when the event repeats: count and last observation time. */
  series?: { count: number; lastObservedTime: string } | undefined;
}

/**
 * Schema for {@link EventV1}.
 *
 * @example
 * ```ts
 * import { EventV1Schema } from "kubeloop";
 * declare const json: unknown;
 * const r = EventV1Schema.safeParse(json);
 * if (r.success) console.log(r.data.regarding?.name, r.data.reason, r.data.note);
 * ```
 */
export const EventV1Schema: ResourceType<EventV1>["schema"] = z.looseObject({
  ...objectBase,
  eventTime: z.string().nullable(),
  regarding: ObjectReferenceSchema.optional(),
  related: ObjectReferenceSchema.optional(),
  reason: z.string().optional(),
  note: z.string().optional(),
  type: z.string().optional(),
  action: z.string().optional(),
  reportingController: z.string().optional(),
  reportingInstance: z.string().optional(),
  series: z.looseObject({ count: z.number(), lastObservedTime: z.string() }).optional(),
});

/**
 * `events.k8s.io/v1` Events.
 *
 * @example
 * ```ts
 * import { EventsV1, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * await client.create(EventsV1, {
 *   metadata: { generateName: "web.", namespace: "default" },
 *   eventTime: new Date().toISOString().replace(/Z$/, "000Z"), // MicroTime: 6 fractional digits
 *   regarding: { apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "web" },
 *   reason: "Scaled",
 *   note: "Scaled up to 5 replicas",
 *   type: "Normal",
 *   action: "Scale",
 *   reportingController: "example.com/web-controller",
 *   reportingInstance: "web-controller-0",
 * });
 * ```
 */
export const EventsV1: ResourceType<EventV1> = defineResource({
  group: "events.k8s.io",
  version: "v1",
  kind: "Event",
  plural: "events",
  namespaced: true,
  schema: EventV1Schema,
});

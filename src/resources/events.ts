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

/** An `events.k8s.io/v1` Event. */
export interface EventV1 extends KubernetesObject {
  eventTime: string | null;
  regarding?: ObjectReference | undefined;
  related?: ObjectReference | undefined;
  reason?: string | undefined;
  note?: string | undefined;
  type?: string | undefined;
  action?: string | undefined;
  reportingController?: string | undefined;
  reportingInstance?: string | undefined;
  series?: { count: number; lastObservedTime: string } | undefined;
}

/** Schema for {@link EventV1}. */
export const EventV1Schema: z.ZodType<EventV1> = z.looseObject({
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

/** `events.k8s.io/v1` Events. */
export const EventsV1: ResourceType<EventV1> = defineResource({
  group: "events.k8s.io",
  version: "v1",
  kind: "Event",
  plural: "events",
  namespaced: true,
  schema: EventV1Schema,
});

// Helpers for controller tests against the FakeApiServer: a client over the
// in-process fetch handler, a fake clock, and a bounded "advance until" loop.

import { z } from "zod";
import { KubeClient } from "../../src/client/client.ts";
import { type KubernetesObject, ObjectMetaSchema } from "../../src/resources/meta.ts";
import { defineResource, type ResourceType } from "../../src/resources/resource.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";

/** A namespaced custom kind used as the primary in owner tests. */
export interface Site extends KubernetesObject {
  spec?: { replicas?: number | undefined } | undefined;
  status?: Record<string, unknown> | undefined;
}

export const Sites: ResourceType<Site> = defineResource({
  group: "test.kubeloop.dev",
  version: "v1",
  kind: "Site",
  plural: "sites",
  namespaced: true,
  schema: z.looseObject({
    apiVersion: z.string().optional(),
    kind: z.string().optional(),
    metadata: ObjectMetaSchema,
    spec: z.looseObject({ replicas: z.number().optional() }).optional(),
    status: z.record(z.string(), z.unknown()).optional(),
  }) as unknown as ResourceType<Site>["schema"],
});

export interface World {
  server: FakeApiServer;
  client: KubeClient;
  clock: FakeClock;
}

export function world(): World {
  const clock = new FakeClock();
  const server = new FakeApiServer({ clock });
  server.register(Sites);
  const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
  return { server, client, clock };
}

/** Advance fake time in small steps (letting real I/O run) until `cond` holds. */
export async function until(clock: FakeClock, cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await clock.advance(10);
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** Advance fake time for a while so that anything pending gets its chance to run. */
export async function settle(clock: FakeClock, steps = 50): Promise<void> {
  for (let i = 0; i < steps; i++) await clock.advance(10);
}

/** Await `p` while advancing fake time. */
export async function pump<R>(clock: FakeClock, p: Promise<R>): Promise<R> {
  let settled = false;
  const watched = p.finally(() => {
    settled = true;
  });
  for (let i = 0; i < 2000 && !settled; i++) await clock.advance(10);
  return watched;
}

/** An owner reference to `owner` (a Site), marked as controller by default. */
export function ownedBy(owner: Site, controller = true) {
  return {
    apiVersion: "test.kubeloop.dev/v1",
    kind: "Site",
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller,
  };
}

// Shared helpers of the reliability suite: store/server comparison and polling.
import assert from "node:assert/strict";
import type { KubernetesObject } from "../../src/resources/meta.ts";
import type { ResourceType } from "../../src/resources/resource.ts";
import type { FakeApiServer } from "../../src/testing/mod.ts";

/** One real turn of the event loop (I/O waits only). */
export function tick(ms = 1): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll until `fn` returns something truthy, at most `tries` times with short
 * real yields (for waiting on I/O; time-based behaviour uses injected clocks
 * or small injected delays).
 */
export async function eventually<R>(
  fn: () => R | undefined | false | Promise<R | undefined | false>,
  opts: { tries?: number; what?: string; ms?: number } = {},
): Promise<R> {
  const tries = opts.tries ?? 2000;
  for (let i = 0; i < tries; i++) {
    const r = await fn();
    if (r) return r;
    await tick(i < 20 ? 0 : (opts.ms ?? 5));
  }
  throw new Error(`eventually: ${opts.what ?? "condition"} not met after ${tries} tries`);
}

interface StoreView<T> {
  store: { list(): T[] };
}

function keyOf(o: KubernetesObject): string {
  return o.metadata.namespace
    ? `${o.metadata.namespace}/${o.metadata.name}`
    : String(o.metadata.name);
}

/** key → object of what the server holds (in one namespace, optionally by label selector). */
export function serverState<T extends KubernetesObject>(
  server: FakeApiServer,
  namespace: string,
  type: ResourceType<T>,
  labelSelector?: string,
): Map<string, T> {
  return new Map(server.list(type, { namespace, labelSelector }).map((o) => [keyOf(o), o]));
}

/** Does the informer cache hold exactly the server's objects (same keys, same resource versions)? */
export function storeMatchesServer<T extends KubernetesObject>(
  informer: StoreView<T>,
  server: FakeApiServer,
  namespace: string,
  type?: ResourceType<T>,
): boolean {
  const want = serverState(server, namespace, (type ?? CM) as ResourceType<T>);
  const have = informer.store.list();
  if (have.length !== want.size) return false;
  return have.every(
    (o) => want.get(keyOf(o))?.metadata.resourceVersion === o.metadata.resourceVersion,
  );
}

/** Like {@link storeMatchesServer}, with a readable diff on failure; also compares the objects' data. */
export function assertStoreEqualsServer<T extends KubernetesObject>(
  informer: StoreView<T>,
  server: FakeApiServer,
  namespace: string,
  type?: ResourceType<T>,
): void {
  const want = serverState(server, namespace, (type ?? CM) as ResourceType<T>);
  const have = new Map(informer.store.list().map((o) => [keyOf(o), o]));
  assert.deepEqual([...have.keys()].sort(), [...want.keys()].sort(), "cache keys = server keys");
  for (const [k, o] of want) {
    const mine = have.get(k)!;
    assert.equal(mine.metadata.resourceVersion, o.metadata.resourceVersion, `rv of ${k}`);
    assert.deepEqual(
      (mine as { data?: unknown }).data,
      (o as { data?: unknown }).data,
      `data of ${k}`,
    );
  }
}

// avoid a cycle of type imports: the default type is ConfigMaps, imported lazily
import { ConfigMaps as CM } from "../../src/resources/core.ts";

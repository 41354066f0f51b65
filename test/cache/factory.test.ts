import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InformerFactory } from "../../src/cache/factory.ts";
import { ConfigMaps, Secrets } from "../../src/resources/core.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { cm, eventually, setup } from "./support.ts";

describe("InformerFactory", () => {
  it("shares one informer (one watch, one cache) per type, namespace, selectors and metadata-only", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a", "one"));
    env.server.create(ConfigMaps, cm("b", "two"));
    const factory = new InformerFactory(env.client, { clock: env.clock, random: () => 0 });
    const all1 = factory.informer(ConfigMaps);
    const all2 = factory.informer(ConfigMaps, { resyncPeriodMs: 5 });
    const one = factory.informer(ConfigMaps, { namespace: "one" });
    const labelled = factory.informer(ConfigMaps, { labelSelector: "x=y" });
    const meta = factory.informer(ConfigMaps, { metadataOnly: true });
    assert.equal(all1, all2);
    assert.notEqual(all1, one);
    assert.notEqual(all1, labelled);
    assert.notEqual(all1, meta as unknown);
    // the namespace does not matter for cluster-scoped kinds
    const { Namespaces } = await import("../../src/resources/core.ts");
    assert.equal(
      factory.informer(Namespaces),
      factory.informer(Namespaces, { namespace: "ignored" }),
    );
    assert.equal(factory.informers().length, 5);

    const ac = new AbortController();
    factory.start(ac.signal);
    assert.equal(await factory.waitForSync(), true);
    assert.equal(all1.store.size, 2);
    assert.deepEqual(one.store.keys(), ["one/a"]);
    assert.equal(labelled.store.size, 0);
    // an informer requested after start starts at once
    const secrets = factory.informer(Secrets);
    assert.equal(await secrets.waitForSync(), true);
    await eventually(() => env.server.watcherCount() === 6);
    ac.abort();
    await factory.stopped();
    await eventually(() => env.server.watcherCount() === 0);
    assert.equal(env.clock.pendingTimers, 0);
    await env.server.close();
  });

  it("run() resolves once aborted and every informer stopped; waitForSync is false if stopped before sync", async () => {
    const env = setup();
    env.server.faults.failNext({ verb: "list", status: 503, times: Number.POSITIVE_INFINITY });
    const factory = new InformerFactory(env.client, { clock: env.clock, logger: silentLogger });
    factory.informer(ConfigMaps);
    const ac = new AbortController();
    const running = factory.run(ac.signal);
    const synced = factory.waitForSync();
    await eventually(() => factory.informers()[0]!.stats().backoffs === 1);
    ac.abort();
    await running;
    assert.equal(await synced, false);
    assert.equal(env.clock.pendingTimers, 0);
    await env.server.close();
  });
});

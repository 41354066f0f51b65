// Triggers (owns / watches), the filter hook, and "one owner runs informers":
// controllers over a shared InformerFactory against the FakeApiServer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InformerFactory } from "../../src/cache/factory.ts";
import { createInformer } from "../../src/cache/informer.ts";
import { Controller, MissingFactoryError } from "../../src/controller/controller.ts";
import type { ControllerFilter } from "../../src/controller/filter.ts";
import { newResource } from "../../src/controller/resource.ts";
import { ownerKeys, owns, watches } from "../../src/controller/trigger.ts";
import { ShardMembership } from "../../src/election/shard-membership.ts";
import { Manager } from "../../src/manager/manager.ts";
import { type Deployment, Deployments } from "../../src/resources/apps.ts";
import { ConfigMaps } from "../../src/resources/core.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { ownedBy, pump, type Site, Sites, settle, until, world } from "./support.ts";

const NS = "shop";

function deployment(name: string, owner?: Site, controller = true): Deployment {
  return {
    metadata: {
      name,
      namespace: NS,
      ...(owner ? { ownerReferences: [ownedBy(owner, controller)] } : {}),
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "web", image: "nginx" }] },
      },
    },
  };
}

function counter() {
  const counts = new Map<string, number>();
  return {
    counts,
    hit: (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1),
    of: (key: string) => counts.get(key) ?? 0,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
  };
}

describe("ownerKeys", () => {
  const owner = { group: "test.kubeloop.dev", kind: "Site", namespaced: true };
  const ref = (over: Record<string, unknown>) => ({
    apiVersion: "test.kubeloop.dev/v1",
    kind: "Site",
    name: "a",
    uid: "u",
    controller: true,
    ...over,
  });

  it("matches group and kind (any version), in the dependent's namespace", () => {
    const obj = {
      metadata: {
        name: "d",
        namespace: "ns",
        ownerReferences: [ref({ apiVersion: "test.kubeloop.dev/v2" })],
      },
    };
    assert.deepEqual(ownerKeys(obj, owner), ["ns/a"]);
    assert.deepEqual(ownerKeys(obj, { ...owner, kind: "Other" }), []);
    assert.deepEqual(ownerKeys(obj, { ...owner, group: "apps" }), []);
  });

  it("counts only the controller reference unless told otherwise", () => {
    const obj = {
      metadata: {
        name: "d",
        namespace: "ns",
        ownerReferences: [ref({ name: "a", controller: false }), ref({ name: "b" })],
      },
    };
    assert.deepEqual(ownerKeys(obj, owner), ["ns/b"]);
    assert.deepEqual(ownerKeys(obj, owner, false), ["ns/a", "ns/b"]);
  });

  it("gives cluster-scoped owners a bare name and core kinds an empty group", () => {
    const obj = {
      metadata: {
        name: "d",
        namespace: "ns",
        ownerReferences: [ref({ apiVersion: "v1", kind: "Namespace", name: "ns" })],
      },
    };
    assert.deepEqual(ownerKeys(obj, { group: "", kind: "Namespace", namespaced: false }), ["ns"]);
  });
});

describe("Controller triggers", () => {
  it("owns: a change to an owned Deployment reconciles its owner once", async () => {
    const { server, client, clock } = world();
    const a = server.create(Sites, { metadata: { name: "a", namespace: NS } });
    const b = server.create(Sites, { metadata: { name: "b", namespace: NS } });
    server.create(Deployments, deployment("a-web", a));
    server.create(Deployments, deployment("b-web", b));
    server.create(Deployments, deployment("loose", b, false)); // not the controller owner
    server.create(Deployments, deployment("orphan"));
    const factory = new InformerFactory(client, { clock });
    const seen = counter();
    const controller = new Controller<Site>({
      resource: newResource(
        factory.informer(Sites),
        (key) => {
          seen.hit(key);
        },
        () => {},
      ),
      factory,
      triggers: [owns(Deployments)],
      clock,
    });
    const stop = new AbortController();
    factory.start(stop.signal);
    const done = controller.run(stop.signal);
    try {
      await until(clock, () => seen.of("shop/a") >= 1 && seen.of("shop/b") >= 1, "initial sync");
      await settle(clock);
      assert.ok(controller.hasSynced());
      const before = { a: seen.of("shop/a"), b: seen.of("shop/b") };

      const dep = server.get(Deployments, "a-web", NS)!;
      server.update(Deployments, { ...dep, spec: { ...dep.spec!, replicas: 3 } });
      await until(clock, () => seen.of("shop/a") > before.a, "owner reconciled");
      await settle(clock);
      assert.equal(seen.of("shop/a"), before.a + 1, "exactly one reconcile of the owner");
      assert.equal(seen.of("shop/b"), before.b, "the other owner is left alone");

      // Changes to a non-controller dependent or an orphan reconcile nothing.
      for (const name of ["loose", "orphan"]) {
        const d = server.get(Deployments, name, NS)!;
        server.update(Deployments, { ...d, spec: { ...d.spec!, replicas: 5 } });
      }
      await settle(clock);
      assert.equal(seen.of("shop/b"), before.b);

      // Deleting the dependent reconciles its owner too.
      server.delete(Deployments, "b-web", NS);
      await until(clock, () => seen.of("shop/b") > before.b, "owner of deleted dependent");
    } finally {
      stop.abort();
      await pump(clock, done);
      await pump(clock, factory.stopped());
      await server.close();
    }
  });

  it("watches: maps any object to primary keys", async () => {
    const { server, client, clock } = world();
    server.create(Sites, { metadata: { name: "a", namespace: NS } });
    server.create(Sites, { metadata: { name: "b", namespace: NS } });
    const factory = new InformerFactory(client, { clock });
    const seen = counter();
    const controller = new Controller<Site>({
      resource: newResource(
        factory.informer(Sites, { namespace: NS }),
        (key) => {
          seen.hit(key);
        },
        () => {},
      ),
      factory,
      // a "site-defaults" ConfigMap reconciles every Site in its namespace
      triggers: [
        watches(ConfigMaps, (cm) =>
          cm.metadata.name === "site-defaults"
            ? server
                .list(Sites, { namespace: cm.metadata.namespace! })
                .map((s) => `${NS}/${s.metadata.name}`)
            : [],
        ),
      ],
      clock,
    });
    const stop = new AbortController();
    factory.start(stop.signal);
    const done = controller.run(stop.signal);
    try {
      await until(clock, () => seen.total() === 2, "initial");
      server.create(ConfigMaps, { metadata: { name: "unrelated", namespace: NS } });
      await settle(clock);
      assert.equal(seen.total(), 2);
      server.create(ConfigMaps, { metadata: { name: "site-defaults", namespace: NS } });
      await until(clock, () => seen.of("shop/a") === 2 && seen.of("shop/b") === 2, "mapped keys");
    } finally {
      stop.abort();
      await pump(clock, done);
      await pump(clock, factory.stopped());
      await server.close();
    }
  });

  it("waits for every informer to sync before reconciling", async () => {
    const { server, client, clock } = world();
    server.create(Sites, { metadata: { name: "a", namespace: NS } });
    server.faults.failNext({ verb: "list", resource: Deployments, status: 503, times: 3 });
    const logger = new MemoryLogger();
    const factory = new InformerFactory(client, { clock, random: () => 0, logger });
    const seen = counter();
    const controller = new Controller<Site>({
      resource: newResource(
        factory.informer(Sites),
        (key) => void seen.hit(key),
        () => {},
      ),
      factory,
      triggers: [owns(Deployments)],
      clock,
    });
    const stop = new AbortController();
    factory.start(stop.signal);
    const done = controller.run(stop.signal);
    try {
      await until(clock, () => factory.informer(Sites).hasSynced(), "primary synced");
      await settle(clock, 5);
      assert.equal(factory.informer(Deployments).hasSynced(), false);
      assert.equal(seen.total(), 0, "no reconcile while the Deployment informer is unsynced");
      assert.equal(controller.hasSynced(), false);
      await until(clock, () => seen.of("shop/a") === 1, "reconciled after both synced");
      assert.equal(logger.find("error", "Deployment list failed").length, 3);
      assert.ok(controller.hasSynced());
    } finally {
      stop.abort();
      await pump(clock, done);
      await pump(clock, factory.stopped());
      await server.close();
    }
  });

  it("two controllers owning Deployments share one watch; the factory runs it", async () => {
    const { server, client, clock } = world();
    const factory = new InformerFactory(client, { clock });
    const mk = (name: string) =>
      new Controller<Site>({
        name,
        resource: newResource(
          factory.informer(Sites),
          () => {},
          () => {},
        ),
        factory,
        triggers: [owns(Deployments)],
        clock,
      });
    const one = mk("one");
    const two = mk("two");
    const stop = new AbortController();
    factory.start(stop.signal);
    const done = Promise.all([one.run(stop.signal), two.run(stop.signal)]);
    try {
      await until(clock, () => one.hasSynced() && two.hasSynced(), "both synced");
      await settle(clock);
      const watchesOf = (plural: string) =>
        server.requests.filter((r) => r.resource === plural && r.verb === "watch").length;
      assert.equal(watchesOf("deployments"), 1);
      assert.equal(watchesOf("sites"), 1);
      assert.equal(factory.informers().length, 2);
    } finally {
      stop.abort();
      await pump(clock, done);
      await pump(clock, factory.stopped());
      await server.close();
    }
  });

  it("runs informers no factory owns itself, once each", async () => {
    const { server, client, clock } = world();
    server.create(Sites, { metadata: { name: "a", namespace: NS } });
    const sites = createInformer(client, Sites, { clock });
    const seen = counter();
    const controller = new Controller<Site>({
      resource: newResource(
        sites,
        (key) => void seen.hit(key),
        () => {},
      ),
      // the same informer as a trigger too: still run once
      triggers: [watches(sites, (s) => [`${NS}/${s.metadata.name}`])],
      clock,
    });
    const stop = new AbortController();
    const done = controller.run(stop.signal);
    try {
      await until(clock, () => seen.of("shop/a") >= 1, "reconciled");
      assert.equal(server.requests.filter((r) => r.verb === "watch").length, 1);
    } finally {
      stop.abort();
      await pump(clock, done);
      await server.close();
    }
  });

  it("refuses a trigger that names a kind without a factory", () => {
    const { client } = world();
    assert.throws(
      () =>
        new Controller<Site>({
          resource: newResource(
            createInformer(client, Sites),
            () => {},
            () => {},
          ),
          triggers: [owns(Deployments)],
        }),
      MissingFactoryError,
    );
  });

  it("logs and skips a trigger map that throws", async () => {
    const { server, client, clock } = world();
    server.create(Sites, { metadata: { name: "a", namespace: NS } });
    const factory = new InformerFactory(client, { clock });
    const logger = new MemoryLogger();
    const seen = counter();
    const controller = new Controller<Site>({
      resource: newResource(
        factory.informer(Sites),
        (key) => void seen.hit(key),
        () => {},
      ),
      factory,
      triggers: [
        watches(ConfigMaps, () => {
          throw new Error("boom");
        }),
      ],
      clock,
      logger,
    });
    const stop = new AbortController();
    factory.start(stop.signal);
    const done = controller.run(stop.signal);
    try {
      await until(clock, () => seen.total() === 1, "initial");
      server.create(ConfigMaps, { metadata: { name: "x", namespace: NS } });
      await until(clock, () => logger.find("error", "trigger map threw").length === 1, "logged");
      assert.equal(seen.total(), 1);
    } finally {
      stop.abort();
      await pump(clock, done);
      await pump(clock, factory.stopped());
      await server.close();
    }
  });
});

describe("Controller filter", () => {
  it("skips keys it does not accept and re-queues keys it gains", async () => {
    const { server, client, clock } = world();
    for (const n of ["a", "b", "c"]) server.create(Sites, { metadata: { name: n, namespace: NS } });
    const factory = new InformerFactory(client, { clock });
    let mine = new Set(["shop/a"]);
    const listeners = new Set<() => void>();
    const filter: ControllerFilter = {
      accepts: (key) => mine.has(key),
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const seen = counter();
    const controller = new Controller<Site>({
      resource: newResource(
        factory.informer(Sites),
        (key) => void seen.hit(key),
        () => {},
      ),
      factory,
      filter,
      clock,
    });
    const stop = new AbortController();
    factory.start(stop.signal);
    const done = controller.run(stop.signal);
    try {
      await until(clock, () => seen.of("shop/a") === 1, "a");
      await settle(clock);
      assert.deepEqual([...seen.counts.keys()], ["shop/a"]);
      // b is handed over: it is reconciled at once, a is not reconciled again
      mine = new Set(["shop/a", "shop/b"]);
      for (const l of listeners) l();
      await until(clock, () => seen.of("shop/b") === 1, "b after hand-over");
      await settle(clock);
      assert.equal(seen.of("shop/a"), 1);
      assert.equal(seen.of("shop/c"), 0);
    } finally {
      stop.abort();
      await pump(clock, done);
      await pump(clock, factory.stopped());
      await server.close();
    }
    assert.equal(listeners.size, 0, "unsubscribed on stop");
  });

  it("accepts a plain function", async () => {
    const { server, client, clock } = world();
    for (const n of ["a", "b"]) server.create(Sites, { metadata: { name: n, namespace: NS } });
    const seen = counter();
    const controller = new Controller<Site>({
      resource: newResource(
        createInformer(client, Sites, { clock }),
        (k) => void seen.hit(k),
        () => {},
      ),
      filter: (key) => key.endsWith("/b"),
      clock,
    });
    const stop = new AbortController();
    const done = controller.run(stop.signal);
    try {
      await until(clock, () => seen.of("shop/b") === 1, "b");
      await settle(clock);
      assert.equal(seen.of("shop/a"), 0);
    } finally {
      stop.abort();
      await pump(clock, done);
      await server.close();
    }
  });
});

describe("Manager and triggers", () => {
  it("hands out the factory's own informers and runs controllers with triggers", async () => {
    const { server, client, clock } = world();
    const a = server.create(Sites, { metadata: { name: "a", namespace: NS } });
    server.create(Deployments, deployment("a-web", a));
    const manager = new Manager({ client, clock });
    const sites = manager.informer(Sites);
    assert.equal(sites, manager.factory.informer(Sites), "no wrapper view");
    const seen = counter();
    manager.add(
      newResource(
        sites,
        (key) => void seen.hit(key),
        () => {},
      ),
      {
        triggers: [owns(Deployments)],
      },
    );
    const stop = new AbortController();
    const done = manager.run(stop.signal);
    try {
      await until(clock, () => manager.health().ready && seen.of("shop/a") === 1, "ready");
      const dep = server.get(Deployments, "a-web", NS)!;
      server.update(Deployments, { ...dep, metadata: { ...dep.metadata, labels: { x: "1" } } });
      await until(clock, () => seen.of("shop/a") === 2, "owner reconciled");
      assert.equal(manager.factory.informers().length, 2);
    } finally {
      stop.abort();
      await pump(clock, done);
      await server.close();
    }
  });
});

describe("owns without a known primary kind", () => {
  it("says so instead of reconciling nothing, and works with an explicit owner", () => {
    const trigger = owns(Deployments);
    const dep = deployment("x", { metadata: { name: "a", uid: "u" } } as Site);
    assert.throws(
      () => trigger.map(dep, { primary: undefined }),
      /owns\(Deployment\): the primary informer names no kind/,
    );
    const explicit = owns(Deployments, {
      owner: { group: "test.kubeloop.dev", kind: "Site", namespaced: true },
    });
    assert.deepEqual(explicit.map(dep, { primary: undefined }), ["shop/a"]);
  });
});

describe("a shard membership as the filter", () => {
  it("is a ControllerFilter: accepts what it owns", () => {
    const { client } = world();
    const membership = new ShardMembership({
      client,
      namespace: "kube-system",
      group: "g",
      identity: "a",
    });
    const filter: ControllerFilter = membership;
    // not running yet: owns nothing, accepts nothing
    assert.equal(filter.accepts("shop/a"), membership.owns("shop/a"));
    assert.equal(filter.accepts("shop/a"), false);
    const off = filter.subscribe?.(() => {});
    assert.equal(typeof off, "function");
    off?.();
  });
});

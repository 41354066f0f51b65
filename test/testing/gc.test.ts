// The fake API server's garbage collector: background, foreground (with
// blockOwnerDeletion) and orphan propagation through ownerReferences, what a
// namespace deletion removes, and `garbageCollection: false` for behaving
// like a lone API server.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeClient } from "../../src/client/client.ts";
import { Deployments, ReplicaSets } from "../../src/resources/apps.ts";
import { type ConfigMap, ConfigMaps, Namespaces, Pods } from "../../src/resources/core.ts";
import type { KubernetesObject, OwnerReference } from "../../src/resources/meta.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";

const NS = "gc";

/** Let the collector (a microtask away) and its follow-ups run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

function ref(owner: KubernetesObject, extra: Partial<OwnerReference> = {}): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? "v1",
    kind: owner.kind ?? "ConfigMap",
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    ...extra,
  };
}

function cm(name: string, owners: OwnerReference[] = [], finalizers?: string[]): ConfigMap {
  return {
    metadata: {
      name,
      namespace: NS,
      ...(owners.length ? { ownerReferences: owners } : {}),
      ...(finalizers ? { finalizers } : {}),
    },
  };
}

const names = (server: FakeApiServer) =>
  server
    .list(ConfigMaps, { namespace: NS })
    .map((c) => c.metadata.name)
    .sort();

describe("FakeApiServer garbage collection", () => {
  it("background: dependents of a deleted owner go, down the chain", async () => {
    const server = new FakeApiServer();
    try {
      const labels = { app: "web" };
      const dep = server.create(Deployments, {
        metadata: { name: "web", namespace: NS },
        spec: {
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "x" }] } },
        },
      });
      const rs = server.create(ReplicaSets, {
        metadata: {
          name: "web-1",
          namespace: NS,
          ownerReferences: [ref(dep, { controller: true })],
        },
        spec: {
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "x" }] } },
        },
      });
      server.create(Pods, {
        metadata: {
          name: "web-1-a",
          namespace: NS,
          ownerReferences: [ref(rs, { controller: true })],
        },
        spec: { containers: [{ name: "c", image: "x" }] },
      });
      server.create(ConfigMaps, cm("unrelated"));
      server.delete(Deployments, "web", NS);
      await settle();
      assert.equal(server.get(ReplicaSets, "web-1", NS), undefined);
      assert.equal(server.get(Pods, "web-1-a", NS), undefined);
      assert.deepEqual(names(server), ["unrelated"]);
    } finally {
      await server.close();
    }
  });

  it("a dependent with another live owner only loses the reference to the gone one", async () => {
    const server = new FakeApiServer();
    try {
      const a = server.create(ConfigMaps, cm("a"));
      const b = server.create(ConfigMaps, cm("b"));
      server.create(ConfigMaps, cm("shared", [ref(a), ref(b)]));
      server.delete(ConfigMaps, "a", NS);
      await settle();
      const shared = server.get(ConfigMaps, "shared", NS);
      assert.deepEqual(
        shared?.metadata.ownerReferences?.map((r) => r.name),
        ["b"],
      );
      server.delete(ConfigMaps, "b", NS);
      await settle();
      assert.equal(server.get(ConfigMaps, "shared", NS), undefined);
    } finally {
      await server.close();
    }
  });

  it("foreground: the owner waits for dependents with blockOwnerDeletion, then goes", async () => {
    const server = new FakeApiServer();
    const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
    try {
      const owner = server.create(ConfigMaps, cm("owner"));
      server.create(
        ConfigMaps,
        cm("blocking", [ref(owner, { blockOwnerDeletion: true })], ["test/hold"]),
      );
      server.create(ConfigMaps, cm("plain", [ref(owner)]));
      const res = (await client.delete(ConfigMaps, "owner", {
        namespace: NS,
        propagationPolicy: "Foreground",
      })) as ConfigMap;
      assert.deepEqual(res.metadata.finalizers, ["foregroundDeletion"]);
      await settle();
      // the plain dependent is gone; the blocking one is terminating (held by its own finalizer)
      assert.equal(server.get(ConfigMaps, "plain", NS), undefined);
      assert.ok(server.get(ConfigMaps, "blocking", NS)?.metadata.deletionTimestamp);
      const waiting = server.get(ConfigMaps, "owner", NS);
      assert.ok(waiting?.metadata.deletionTimestamp);
      assert.deepEqual(waiting?.metadata.finalizers, ["foregroundDeletion"]);
      // its finalizer done, the blocking dependent goes, and so does the owner
      server.patch(ConfigMaps, "blocking", { metadata: { finalizers: null } }, { namespace: NS });
      await settle();
      assert.deepEqual(names(server), []);
    } finally {
      await server.close();
    }
  });

  it("foreground propagates: a dependent with dependents of its own is deleted in the foreground", async () => {
    const server = new FakeApiServer();
    const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
    try {
      const top = server.create(ConfigMaps, cm("top"));
      const mid = server.create(ConfigMaps, cm("mid", [ref(top, { blockOwnerDeletion: true })]));
      server.create(
        ConfigMaps,
        cm("leaf", [ref(mid, { blockOwnerDeletion: true })], ["test/hold"]),
      );
      await client.delete(ConfigMaps, "top", { namespace: NS, propagationPolicy: "Foreground" });
      await settle();
      // everything waits on the held leaf
      assert.deepEqual(names(server), ["leaf", "mid", "top"]);
      assert.deepEqual(server.get(ConfigMaps, "mid", NS)?.metadata.finalizers, [
        "foregroundDeletion",
      ]);
      server.patch(ConfigMaps, "leaf", { metadata: { finalizers: null } }, { namespace: NS });
      await settle();
      assert.deepEqual(names(server), []);
    } finally {
      await server.close();
    }
  });

  it("orphan: dependents stay, without the reference; the owner goes", async () => {
    const server = new FakeApiServer();
    const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
    try {
      const owner = server.create(ConfigMaps, cm("owner"));
      const other = server.create(ConfigMaps, cm("other"));
      server.create(ConfigMaps, cm("child", [ref(owner), ref(other)]));
      server.create(
        ConfigMaps,
        cm("only", [ref(owner, { controller: true, blockOwnerDeletion: true })]),
      );
      await client.delete(ConfigMaps, "owner", { namespace: NS, propagationPolicy: "Orphan" });
      await settle();
      assert.deepEqual(names(server), ["child", "only", "other"]);
      assert.deepEqual(
        server.get(ConfigMaps, "child", NS)?.metadata.ownerReferences?.map((r) => r.name),
        ["other"],
      );
      assert.equal(server.get(ConfigMaps, "only", NS)?.metadata.ownerReferences, undefined);
    } finally {
      await server.close();
    }
  });

  it("collects a dependent created after its owner was deleted; leaves never-seen owners alone", async () => {
    const server = new FakeApiServer();
    try {
      const owner = server.create(ConfigMaps, cm("owner"));
      server.delete(ConfigMaps, "owner", NS);
      await settle();
      server.create(ConfigMaps, cm("late", [ref(owner)]));
      server.create(
        ConfigMaps,
        cm("stranger", [{ apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "never-seen" }]),
      );
      await settle();
      assert.deepEqual(names(server), ["stranger"]);
    } finally {
      await server.close();
    }
  });

  it("watchers see the collector's deletes", async () => {
    const server = new FakeApiServer();
    const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
    try {
      const owner = server.create(ConfigMaps, cm("owner"));
      server.create(ConfigMaps, cm("child", [ref(owner)]));
      const ac = new AbortController();
      const seen: string[] = [];
      const watching = (async () => {
        for await (const ev of client.watch(ConfigMaps, {
          namespace: NS,
          resourceVersion: server.resourceVersion(),
          signal: ac.signal,
        })) {
          if (ev.type === "DELETED") seen.push(ev.object.metadata.name!);
          if (seen.length === 2) ac.abort();
        }
      })().catch(() => {});
      await settle();
      server.delete(ConfigMaps, "owner", NS);
      await watching;
      assert.deepEqual(seen, ["owner", "child"]);
    } finally {
      await server.close();
    }
  });

  it("a namespace deletion removes what is inside, then the namespace", async () => {
    const server = new FakeApiServer({ requireNamespaces: true });
    try {
      server.create(Namespaces, { metadata: { name: NS } });
      const owner = server.create(ConfigMaps, cm("owner"));
      server.create(ConfigMaps, cm("child", [ref(owner)]));
      server.create(ConfigMaps, cm("held", [], ["test/hold"]));
      server.delete(Namespaces, NS);
      await settle();
      assert.deepEqual(names(server), ["held"]);
      assert.equal(server.get(Namespaces, NS)?.status?.phase, "Terminating");
      server.patch(ConfigMaps, "held", { metadata: { finalizers: null } }, { namespace: NS });
      await settle();
      assert.equal(server.get(Namespaces, NS), undefined);
    } finally {
      await server.close();
    }
  });

  it("with garbageCollection: false it behaves like a lone API server", async () => {
    const server = new FakeApiServer({ garbageCollection: false });
    const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
    try {
      const owner = server.create(ConfigMaps, cm("owner"));
      server.create(ConfigMaps, cm("child", [ref(owner)]));
      const other = server.create(ConfigMaps, cm("other"));
      server.create(ConfigMaps, cm("child2", [ref(other)]));
      server.delete(ConfigMaps, "owner", NS);
      await client.delete(ConfigMaps, "other", { namespace: NS, propagationPolicy: "Foreground" });
      await settle();
      assert.deepEqual(names(server), ["child", "child2", "other"]);
      assert.deepEqual(server.get(ConfigMaps, "other", NS)?.metadata.finalizers, [
        "foregroundDeletion",
      ]);
    } finally {
      await server.close();
    }
  });
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { KubeClient } from "../../src/client/client.ts";
import { ApiError } from "../../src/client/errors.ts";
import { Deployments } from "../../src/resources/apps.ts";
import { ConfigMaps, Namespaces, type Pod, Pods } from "../../src/resources/core.ts";
import type { WatchEvent } from "../../src/resources/meta.ts";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");

const pod = (name: string, labels: Record<string, string> = {}): Pod => ({
  metadata: { name, namespace: "default", labels },
  spec: { containers: [{ name: "c", image: "busybox" }] },
});

type Mode = "in-process" | "http" | "https";

for (const mode of ["in-process", "http", "https"] as Mode[]) {
  describe(`KubeClient against FakeApiServer (${mode})`, () => {
    let server: FakeApiServer;
    let listener: Listener | undefined;
    let client: KubeClient;

    before(async () => {
      server = new FakeApiServer({ token: "test-token" });
      if (mode === "in-process") {
        client = new KubeClient({
          server: "http://fake.local",
          token: "test-token",
          fetch: server.fetch as typeof fetch,
        });
      } else if (mode === "http") {
        listener = await server.listen();
        client = new KubeClient({ server: listener.url, token: "test-token" });
      } else {
        listener = await server.listen({
          tls: { cert: fixture("tls/server.crt"), key: fixture("tls/server.key") },
        });
        client = new KubeClient({
          server: listener.url,
          token: "test-token",
          caCertificate: fixture("tls/ca.crt"),
        });
      }
    });

    after(async () => {
      await listener?.close();
      await server.close();
    });

    it("creates, gets, replaces, patches and deletes", async () => {
      const created = await client.create(ConfigMaps, {
        metadata: { name: "cm1", namespace: "default" },
        data: { a: "1" },
      });
      assert.ok(created.metadata.resourceVersion);
      assert.ok(created.metadata.uid);
      const got = await client.get(ConfigMaps, "cm1", { namespace: "default" });
      assert.equal(got.data?.a, "1");

      got.data = { a: "2" };
      const replaced = await client.replace(ConfigMaps, got);
      assert.equal(replaced.data?.a, "2");
      // stale resourceVersion: conflict
      await assert.rejects(
        client.replace(ConfigMaps, { ...got, data: { a: "3" } }),
        (err: unknown) => err instanceof ApiError && err.code === 409,
      );

      const merged = await client.patch(
        ConfigMaps,
        "cm1",
        { data: { b: "x" } },
        { type: "merge", namespace: "default" },
      );
      assert.deepEqual(merged.data, { a: "2", b: "x" });
      const jsonPatched = await client.patch(
        ConfigMaps,
        "cm1",
        [{ op: "remove", path: "/data/b" }],
        {
          type: "json",
          namespace: "default",
        },
      );
      assert.deepEqual(jsonPatched.data, { a: "2" });
      const applied = await client.patch(
        ConfigMaps,
        "cm-applied",
        { metadata: { name: "cm-applied", namespace: "default" }, data: { mode: "fast" } },
        { type: "apply", fieldManager: "test", force: true, namespace: "default" },
      );
      assert.equal(applied.data?.mode, "fast");

      await client.delete(ConfigMaps, "cm1", {
        namespace: "default",
        propagationPolicy: "Background",
      });
      await assert.rejects(
        client.get(ConfigMaps, "cm1", { namespace: "default" }),
        (err: unknown) => err instanceof ApiError && err.code === 404 && err.reason === "NotFound",
      );
    });

    it("works with cluster-scoped types and the status subresource", async () => {
      await client.create(Namespaces, { metadata: { name: "team-x" } });
      const ns = await client.get(Namespaces, "team-x");
      assert.equal(ns.metadata.name, "team-x");
      const dep = await client.create(Deployments, {
        metadata: { name: "web", namespace: "default" },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "web", image: "nginx" }] },
          },
        },
      });
      const withStatus = await client.replaceStatus(Deployments, {
        ...dep,
        status: { replicas: 1, readyReplicas: 1 },
      });
      assert.equal(withStatus.status?.readyReplicas, 1);
    });

    it("lists with paging and selectors", async () => {
      for (let i = 0; i < 7; i++)
        await client.create(Pods, pod(`p${i}`, { app: i % 2 ? "odd" : "even" }));
      const page = await client.list(Pods, { namespace: "default", limit: 3 });
      assert.equal(page.items.length, 3);
      assert.ok(page.metadata.continue);
      assert.equal(page.items[0]!.kind, "Pod");
      const all = await client.listAll(Pods, { namespace: "default", limit: 2 });
      assert.equal(all.items.length, 7);
      assert.ok(all.metadata.resourceVersion);
      const odd = await client.listAll(Pods, { labelSelector: "app=odd" });
      assert.equal(odd.items.length, 3);
      const meta = await client.list(Pods, { namespace: "default", metadataOnly: true });
      assert.equal(meta.items.length, 7);
    });

    it("watches from a resource version and stops on abort", async () => {
      const list = await client.list(ConfigMaps, { namespace: "default" });
      const ac = new AbortController();
      const events: WatchEvent<unknown>[] = [];
      const done = (async () => {
        try {
          for await (const ev of client.watch(ConfigMaps, {
            namespace: "default",
            resourceVersion: list.metadata.resourceVersion,
            allowWatchBookmarks: true,
            signal: ac.signal,
          })) {
            if (ev.type === "BOOKMARK") continue;
            events.push(ev);
            if (events.length === 3) ac.abort();
          }
        } catch (err) {
          if (!ac.signal.aborted) throw err;
        }
      })();
      // wait until the watch is registered (bounded polling)
      for (let i = 0; i < 200 && server.watcherCount() === 0; i++)
        await new Promise((r) => setTimeout(r, 5));
      await client.create(ConfigMaps, { metadata: { name: "w1", namespace: "default" } });
      await client.patch(
        ConfigMaps,
        "w1",
        { data: { x: "1" } },
        { type: "merge", namespace: "default" },
      );
      await client.delete(ConfigMaps, "w1", { namespace: "default" });
      await done;
      assert.deepEqual(
        events.map((e) => e.type),
        ["ADDED", "MODIFIED", "DELETED"],
      );
    });

    it("refuses requests without the token", async () => {
      const anon =
        mode === "in-process"
          ? new KubeClient({ server: "http://fake.local", fetch: server.fetch as typeof fetch })
          : new KubeClient({
              server: listener!.url,
              ...(mode === "https" ? { caCertificate: fixture("tls/ca.crt") } : {}),
            });
      // no credentials: the anonymous user, forbidden, as on a real API server
      await assert.rejects(
        anon.list(Pods),
        (err: unknown) => err instanceof ApiError && err.code === 403,
      );
    });

    it("streams a list with sendInitialEvents, ended by a bookmark", async () => {
      const names: string[] = [];
      let endBookmark = false;
      for await (const ev of client.watch(Pods, {
        namespace: "default",
        sendInitialEvents: true,
        resourceVersionMatch: "NotOlderThan",
        allowWatchBookmarks: true,
      })) {
        if (ev.type === "ADDED") names.push(ev.object.metadata.name ?? "");
        if (
          ev.type === "BOOKMARK" &&
          ev.object.metadata.annotations?.["k8s.io/initial-events-end"] === "true"
        ) {
          endBookmark = true;
          break;
        }
      }
      assert.ok(endBookmark);
      assert.equal(names.length, 7);
    });
  });
}

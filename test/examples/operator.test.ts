// The Website operator (examples/operator) against the FakeApiServer on a
// FakeClock, in-process, on every runtime (Node, Deno, Bun): it converges,
// owns its children, reconciles once per owned-object change, cleans up the
// external registry exactly once through its finalizer (retrying a failing
// cleanup), writes status, Events and /metrics, and leads through the Manager.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  FINALIZER,
  isReconciled,
  REPORTING_CONTROLLER,
  type WebsiteOperator,
  websiteOperator,
} from "../../examples/operator/operator.ts";
import { FakeRegistry } from "../../examples/operator/registry.ts";
import { type Website, Websites, websiteCrd } from "../../examples/operator/website.ts";
import { KubeClient } from "../../src/client/client.ts";
import { CustomResourceDefinitions } from "../../src/resources/apiextensions.ts";
import { Deployments } from "../../src/resources/apps.ts";
import { ConfigMaps, Services } from "../../src/resources/core.ts";
import { EventsV1 } from "../../src/resources/events.ts";
import { findCondition } from "../../src/status/conditions.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { pump, settle, until } from "../controller/support.ts";
import { parsePrometheus, value } from "../metrics/prometheus.ts";

const NS = "shop";
const T0 = Date.UTC(2025, 0, 1);

function site(name: string, host: string, content = `<h1>${name}</h1>`): Website {
  return { metadata: { name, namespace: NS }, spec: { host, content, replicas: 2 } };
}

interface Env {
  clock: FakeClock;
  server: FakeApiServer;
  client: KubeClient;
  registry: FakeRegistry;
  /** Every replica logs here (failures are injected: nothing goes to the console). */
  logger: MemoryLogger;
  /** Reconcile attempts per key and outcome, e.g. `shop/a apply`. */
  counts: Map<string, number>;
  count(key: string, outcome?: string): number;
  start(identity?: string): { op: WebsiteOperator; stop(): Promise<void>; reconciled: string[] };
  get(name: string): Website | undefined;
  close(): Promise<void>;
}

function env(): Env {
  const clock = new FakeClock(T0);
  const server = new FakeApiServer({ clock });
  // installed as on a cluster: the fake server serves the kind of a CRD it is given
  server.create(CustomResourceDefinitions, websiteCrd);
  const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
  const registry = new FakeRegistry();
  const logger = new MemoryLogger();
  const counts = new Map<string, number>();
  const running: (() => Promise<void>)[] = [];
  return {
    clock,
    server,
    client,
    registry,
    logger,
    counts,
    count: (key, outcome = "apply") => counts.get(`${key} ${outcome}`) ?? 0,
    start(identity = "op-0") {
      const reconciled: string[] = [];
      const op = websiteOperator({
        client,
        registry,
        identity,
        clock,
        logger,
        leaderElection: { random: () => 0 },
        onReconcile: (key, outcome) => {
          counts.set(`${key} ${outcome}`, (counts.get(`${key} ${outcome}`) ?? 0) + 1);
          reconciled.push(key);
        },
      });
      const ac = new AbortController();
      const done = op.manager.run(ac.signal);
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        ac.abort();
        await pump(clock, done);
      };
      running.push(stop);
      return { op, stop, reconciled };
    },
    get: (name) => server.get(Websites, name, NS),
    async close() {
      for (const stop of running) await stop();
      await server.close();
    },
  };
}

function events(server: FakeApiServer, name: string) {
  return server
    .list(EventsV1, { namespace: NS })
    .filter((e) => e.regarding?.name === name && e.reportingController === REPORTING_CONTROLLER);
}

/** A Deployment controller's report: every replica available. */
function markAvailable(server: FakeApiServer, name: string): void {
  const d = server.get(Deployments, name, NS)!;
  const n = d.spec?.replicas ?? 1;
  server.updateStatus(Deployments, { ...d, status: { replicas: n, availableReplicas: n } });
}

async function converge(e: Env, name: string, what = `${name} reconciled`): Promise<Website> {
  await until(e.clock, () => isReconciled(e.get(name) ?? ({ metadata: {} } as Website)), what);
  return e.get(name)!;
}

describe("examples/operator: the Website operator", () => {
  it("converges: finalizer, owned children, registry entry, status, Events and /metrics", async () => {
    const e = env();
    try {
      const { op } = e.start();
      e.server.create(Websites, site("a", "a.example"));
      const a = await converge(e, "a");
      assert.deepEqual(a.metadata.finalizers, [FINALIZER]);
      for (const type of [ConfigMaps, Deployments, Services] as const) {
        const child = e.server.get(type, "a", NS);
        assert.ok(child, `${type.kind} a`);
        assert.deepEqual(child.metadata.ownerReferences, [
          {
            apiVersion: "example.kubeloop.dev/v1",
            kind: "Website",
            name: "a",
            uid: a.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ]);
      }
      assert.deepEqual(e.server.get(ConfigMaps, "a", NS)?.data, { "index.html": "<h1>a</h1>" });
      assert.equal(e.server.get(Deployments, "a", NS)?.spec?.replicas, 2);
      assert.equal(e.registry.entries.get("a.example"), "a.shop.svc");
      assert.equal(a.status?.observedGeneration, 1);
      assert.equal(findCondition(a.status?.conditions, "Reconciled")?.status, "True");
      assert.equal(findCondition(a.status?.conditions, "Available")?.status, "False");
      assert.equal(
        findCondition(a.status?.conditions, "Available")?.message,
        "0/2 replicas available",
      );

      // the Deployment becomes available: the Website follows
      markAvailable(e.server, "a");
      await until(
        e.clock,
        () => findCondition(e.get("a")?.status?.conditions, "Available")?.status === "True",
        "Available",
      );

      // a spec change: new generation, children updated, observedGeneration follows
      const cur = e.get("a")!;
      e.server.update(Websites, { ...cur, spec: { ...cur.spec, content: "<h1>v2</h1>" } });
      await until(e.clock, () => e.get("a")?.status?.observedGeneration === 2, "generation 2");
      assert.deepEqual(e.server.get(ConfigMaps, "a", NS)?.data, { "index.html": "<h1>v2</h1>" });

      await pump(e.clock, op.recorder.flush());
      const reasons = events(e.server, "a").map((ev) => ev.reason);
      for (const r of ["Provisioned", "Registered", "Available", "Updated"]) {
        assert.ok(reasons.includes(r), `${r} in ${reasons}`);
      }

      const res = op.manager.probe(new Request("http://localhost/metrics"));
      const m = parsePrometheus(await res.text());
      assert.ok(
        (value(m, "controller_runtime_reconcile_total", {
          controller: "websites",
          result: "success",
        }) ?? 0) >= 3,
      );
      assert.equal(value(m, "leader_election_master_status", { name: "website-operator" }), 1);
      assert.equal(value(m, "kubeloop_informer_synced", { resource: "websites" }), 1);
      assert.equal(value(m, "kubeloop_informer_synced", { resource: "deployments" }), 1);
      assert.ok(op.manager.health().ready);
    } finally {
      await e.close();
    }
  });

  it("a change to an owned Deployment reconciles its Website once", async () => {
    const e = env();
    try {
      e.start();
      e.server.create(Websites, site("a", "a.example"));
      e.server.create(Websites, site("b", "b.example"));
      await converge(e, "a");
      await converge(e, "b");
      await settle(e.clock, 100);
      const before = { a: e.count("shop/a"), b: e.count("shop/b") };
      const d = e.server.get(Deployments, "a", NS)!;
      e.server.update(Deployments, {
        ...d,
        metadata: { ...d.metadata, annotations: { "example.com/touched": "yes" } },
      });
      await until(e.clock, () => e.count("shop/a") > before.a, "reconciled after the change");
      await settle(e.clock, 100);
      assert.equal(e.count("shop/a"), before.a + 1);
      assert.equal(e.count("shop/b"), before.b);
    } finally {
      await e.close();
    }
  });

  it("deleting a Website runs the finalizer's cleanup exactly once, then the Website and its children are gone", async () => {
    const e = env();
    try {
      const { op } = e.start();
      e.server.create(Websites, site("a", "a.example"));
      await converge(e, "a");
      await e.client.delete(Websites, "a", { namespace: NS });
      await until(e.clock, () => e.get("a") === undefined, "Website gone");
      await settle(e.clock, 100);
      assert.deepEqual(
        e.registry.calls.filter((c) => c.startsWith("unregister")),
        ["unregister a.example"],
      );
      assert.equal(e.count("shop/a", "cleanup"), 1);
      assert.equal(e.registry.entries.has("a.example"), false);
      // the children go with it: the fake server's garbage collector follows their owner references
      await until(
        e.clock,
        () =>
          [ConfigMaps, Deployments, Services].every((t) => e.server.get(t, "a", NS) === undefined),
        "children collected",
      );
      await pump(e.clock, op.recorder.flush());
      assert.ok(events(e.server, "a").some((ev) => ev.reason === "Deregistered"));
    } finally {
      await e.close();
    }
  });

  it("a failing cleanup keeps the Website (and its finalizer) and is retried", async () => {
    const e = env();
    try {
      const { op } = e.start();
      e.server.create(Websites, site("a", "a.example"));
      await converge(e, "a");
      e.registry.failNext(3, "unregister");
      await e.client.delete(Websites, "a", { namespace: NS });
      await until(e.clock, () => e.count("shop/a", "error") >= 2, "cleanup failed twice");
      const kept = e.get("a");
      assert.ok(kept?.metadata.deletionTimestamp);
      assert.deepEqual(kept?.metadata.finalizers, [FINALIZER]);
      assert.equal(e.registry.entries.get("a.example"), "a.shop.svc");
      await until(e.clock, () => e.get("a") === undefined, "gone once the registry answers");
      assert.equal(e.registry.calls.filter((c) => c.startsWith("unregister")).length, 4);
      assert.equal(e.count("shop/a", "cleanup"), 1);
      await pump(e.clock, op.recorder.flush());
      const warnings = events(e.server, "a").filter((ev) => ev.reason === "DeregistrationFailed");
      assert.equal(warnings.length, 1, "repeats fold into one Event");
      assert.equal(warnings[0]!.series?.count, 3);
      assert.equal(e.logger.find("warn", "upsert failed; will retry").length, 3);
    } finally {
      await e.close();
    }
  });

  it("runs on the elected leader only; a standby takes over when the leader stops", async () => {
    const e = env();
    try {
      const leader = e.start("op-0");
      await until(e.clock, () => leader.op.manager.health().leading, "op-0 leads");
      const standby = e.start("op-1");
      await until(e.clock, () => standby.op.manager.health().ready, "op-1 ready (warm cache)");
      e.server.create(Websites, site("a", "a.example"));
      await converge(e, "a");
      assert.ok(leader.reconciled.includes("shop/a"));
      assert.deepEqual(standby.reconciled, []);
      assert.equal(standby.op.manager.health().leading, false);

      await leader.stop();
      e.server.create(Websites, site("b", "b.example"));
      await until(e.clock, () => standby.reconciled.includes("shop/b"), "op-1 took over");
      await converge(e, "b");
      assert.equal(standby.op.manager.health().leader, "op-1");
    } finally {
      await e.close();
    }
  });
});

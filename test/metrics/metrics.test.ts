// The Prometheus text exposition, checked with a parser written here (not
// the code under test): the registry's format, escaping and histograms, and
// the Manager's /metrics after a controller ran against the FakeApiServer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newResource } from "../../src/controller/resource.ts";
import { owns } from "../../src/controller/trigger.ts";
import { Manager } from "../../src/manager/manager.ts";
import { MetricRegistrationError, MetricsRegistry } from "../../src/metrics/registry.ts";
import { Deployments } from "../../src/resources/apps.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { pump, Sites, until, world } from "../controller/support.ts";
import { parsePrometheus, value } from "./prometheus.ts";

describe("MetricsRegistry", () => {
  it("renders counters, gauges and histograms that a Prometheus parser reads back", () => {
    const registry = new MetricsRegistry();
    const c = registry.counter("jobs_total", 'Jobs run, per "queue".\nSecond line \\ here.', [
      "queue",
    ]);
    c.labels({ queue: 'we"ird\\name\nx' }).inc(2);
    c.labels({ queue: "plain" }).inc();
    registry.gauge("temperature", "A gauge.").labels().set(-1.5);
    registry.gauge("ratio", "Specials.", ["k"]).labels({ k: "inf" }).set(Infinity);
    const h = registry.histogram("latency_seconds", "A histogram.", ["op"], [0.1, 1, 10]);
    for (const v of [0.05, 0.1, 0.5, 5, 50]) h.labels({ op: "get" }).observe(v);
    let collected = 0;
    registry.addCollector(() => {
      collected++;
      registry.gauge("collected", "Set by a collector.").labels().set(collected);
    });

    const text = registry.render();
    const families = parsePrometheus(text);
    assert.equal(families.get("jobs_total")?.type, "counter");
    assert.equal(families.get("jobs_total")?.help, 'Jobs run, per "queue".\nSecond line \\ here.');
    assert.equal(value(families, "jobs_total", { queue: 'we"ird\\name\nx' }), 2);
    assert.equal(value(families, "jobs_total", { queue: "plain" }), 1);
    assert.equal(value(families, "temperature", {}), -1.5);
    assert.equal(value(families, "ratio", { k: "inf" }), Infinity);
    assert.equal(value(families, "latency_seconds_bucket", { op: "get", le: "0.1" }), 2);
    assert.equal(value(families, "latency_seconds_bucket", { op: "get", le: "1" }), 3);
    assert.equal(value(families, "latency_seconds_bucket", { op: "get", le: "10" }), 4);
    assert.equal(value(families, "latency_seconds_bucket", { op: "get", le: "+Inf" }), 5);
    assert.equal(value(families, "latency_seconds_count", { op: "get" }), 5);
    assert.equal(value(families, "latency_seconds_sum", { op: "get" }), 55.65);
    assert.equal(value(families, "collected", {}), 1);
    assert.equal(value(parsePrometheus(registry.render()), "collected", {}), 2);
  });

  it("refuses bad names and conflicting registrations; returns the family on a matching one", () => {
    const registry = new MetricsRegistry();
    assert.throws(() => registry.counter("1bad", "x"), MetricRegistrationError);
    assert.throws(() => registry.counter("ok_total", "x", ["le"]), MetricRegistrationError);
    assert.throws(() => registry.histogram("h", "x", [], [1, 1]), MetricRegistrationError);
    const a = registry.counter("a_total", "x", ["l"]);
    assert.equal(registry.counter("a_total", "x", ["l"]), a);
    assert.throws(() => registry.gauge("a_total", "x", ["l"]), MetricRegistrationError);
    assert.throws(() => registry.counter("a_total", "x", ["m"]), MetricRegistrationError);
    assert.throws(() => a.labels({ l: "v" }).inc(-1), RangeError);
  });

  it("the parser rejects malformed exposition (it is not a rubber stamp)", () => {
    for (const bad of [
      "x 1\n", // undeclared
      '# TYPE x counter\nx{a="1} 1\n', // unterminated
      "# TYPE x counter\nx 1\nx 2\n", // duplicate series
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      "# TYPE x counter\nx 1", // no final newline
      "# TYPE x gauge\nx one\n",
    ]) {
      assert.throws(() => parsePrometheus(bad), Error, bad);
    }
  });
});

describe("Manager /metrics", () => {
  it("exports reconcile, work-queue, informer and leader-election metrics by controller-runtime's names", async () => {
    const { server, client, clock } = world();
    const a = server.create(Sites, { metadata: { name: "a", namespace: "shop" } });
    server.create(Sites, { metadata: { name: "b", namespace: "shop" } });
    server.create(Deployments, {
      metadata: {
        name: "a-web",
        namespace: "shop",
        ownerReferences: [
          {
            apiVersion: "test.kubeloop.dev/v1",
            kind: "Site",
            name: "a",
            uid: a.metadata.uid!,
            controller: true,
          },
        ],
      },
      spec: {
        selector: { matchLabels: { app: "a" } },
        template: { metadata: { labels: { app: "a" } }, spec: { containers: [] } },
      },
    });
    const logger = new MemoryLogger();
    const manager = new Manager({
      client,
      clock,
      logger,
      leaderElection: {
        namespace: "kube-system",
        name: "site-operator",
        identity: "pod-0",
        random: () => 0,
      },
    });
    let failOnce = true;
    const done: string[] = [];
    manager.add(
      newResource(
        manager.informer(Sites),
        (key) => {
          if (key === "shop/b" && failOnce) {
            failOnce = false;
            throw new Error("transient");
          }
          done.push(key);
          return key === "shop/a" ? { requeueAfter: 60_000 } : undefined;
        },
        () => {},
      ),
      { triggers: [owns(Deployments)], workers: 2 },
    );
    assert.throws(
      () =>
        manager.add(
          newResource(
            manager.informer(Sites),
            () => {},
            () => {},
          ),
        ),
      TypeError,
    );
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    try {
      await until(clock, () => done.includes("shop/a") && done.includes("shop/b"), "reconciled");
      await clock.advance(1000); // the unfinished-work report
      const res = manager.probe(new Request("http://localhost:8081/metrics"));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      const m = parsePrometheus(await res.text());
      const c = { controller: "sites" };
      assert.equal(value(m, "controller_runtime_reconcile_total", { ...c, result: "success" }), 1);
      assert.equal(
        value(m, "controller_runtime_reconcile_total", { ...c, result: "requeue_after" }),
        1,
      );
      assert.equal(value(m, "controller_runtime_reconcile_total", { ...c, result: "error" }), 1);
      assert.equal(value(m, "controller_runtime_reconcile_errors_total", c), 1);
      assert.equal(value(m, "controller_runtime_reconcile_time_seconds_count", c), 3);
      assert.equal(value(m, "controller_runtime_max_concurrent_reconciles", c), 2);
      assert.equal(value(m, "controller_runtime_active_workers", c), 0);
      const q = { name: "sites" };
      assert.equal(value(m, "workqueue_adds_total", q), 3);
      assert.equal(value(m, "workqueue_retries_total", q), 1);
      assert.equal(value(m, "workqueue_depth", q), 0);
      assert.equal(value(m, "workqueue_queue_duration_seconds_count", q), 3);
      assert.equal(value(m, "workqueue_work_duration_seconds_count", q), 3);
      assert.equal(value(m, "workqueue_longest_running_processor_seconds", q), 0);
      const sites = { group: "test.kubeloop.dev", resource: "sites" };
      assert.equal(value(m, "kubeloop_informer_synced", sites), 1);
      assert.equal(value(m, "kubeloop_informer_lists_total", sites), 1);
      assert.equal(
        value(m, "kubeloop_informer_synced", { group: "apps", resource: "deployments" }),
        1,
      );
      assert.equal(value(m, "kubeloop_informer_invalid_objects_total", sites), 0);
      assert.equal(value(m, "leader_election_master_status", { name: "site-operator" }), 1);
      assert.equal(value(m, "kubeloop_controller_dropped_keys_total", c), 0);

      assert.equal(manager.probe(new Request("http://localhost:8081/readyz")).status, 200);
      assert.equal(logger.find("warn", "upsert failed; will retry").length, 1);
    } finally {
      stop.abort();
      await pump(clock, running);
      await server.close();
    }
    const off = new Manager({ client, clock, metrics: false });
    assert.equal(off.metrics, undefined);
    assert.equal(off.probe(new Request("http://localhost/metrics")).status, 404);
  });
});

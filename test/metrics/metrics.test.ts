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
import { pump, Sites, until, world } from "../controller/support.ts";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Family {
  type: string;
  help: string;
  samples: Sample[];
}

/**
 * A parser for the Prometheus text format 0.0.4: HELP/TYPE lines, samples
 * with escaped label values, special float values. Throws on anything
 * malformed, on samples of undeclared families, on duplicate series, and on
 * histograms whose buckets are not cumulative or do not end in +Inf = _count.
 */
function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  if (text.length > 0 && !text.endsWith("\n"))
    throw new Error("exposition must end with a newline");
  const lines = text.split("\n").slice(0, -1);
  const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
  const familyOf = (sample: string): Family | undefined => {
    for (const suffix of ["", "_bucket", "_sum", "_count"]) {
      if (suffix && !sample.endsWith(suffix)) continue;
      const f = families.get(sample.slice(0, sample.length - suffix.length));
      if (f && (suffix === "" ? f.type !== "histogram" : f.type === "histogram")) return f;
    }
    return undefined;
  };
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
      const rest = line.slice(7);
      const name = NAME.exec(rest)?.[0];
      if (!name || rest[name.length] !== " ") throw new Error(`bad comment, ${where}`);
      const arg = rest.slice(name.length + 1);
      const f = families.get(name) ?? { type: "untyped", help: "", samples: [] };
      if (line.startsWith("# TYPE ")) {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(arg)) {
          throw new Error(`bad type, ${where}`);
        }
        if (f.samples.length > 0) throw new Error(`TYPE after samples, ${where}`);
        f.type = arg;
      } else {
        f.help = arg.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      }
      families.set(name, f);
      continue;
    }
    if (line.startsWith("#") || line.trim() === "") continue;
    const name = NAME.exec(line)?.[0];
    if (!name) throw new Error(`bad sample name, ${where}`);
    let pos = name.length;
    const labels: Record<string, string> = {};
    if (line[pos] === "{") {
      pos++;
      while (line[pos] !== "}") {
        const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(pos));
        if (!m) throw new Error(`bad label, ${where}`);
        pos += m[0].length;
        let value = "";
        for (;;) {
          const c = line[pos++];
          if (c === undefined) throw new Error(`unterminated label value, ${where}`);
          if (c === '"') break;
          if (c === "\\") {
            const e = line[pos++];
            if (e === "n") value += "\n";
            else if (e === "\\" || e === '"') value += e;
            else throw new Error(`bad escape, ${where}`);
          } else value += c;
        }
        if (m[1]! in labels) throw new Error(`duplicate label, ${where}`);
        labels[m[1]!] = value;
        if (line[pos] === ",") pos++;
        else if (line[pos] !== "}") throw new Error(`expected , or }, ${where}`);
      }
      pos++;
    }
    if (line[pos] !== " ") throw new Error(`expected a space before the value, ${where}`);
    const fields = line.slice(pos + 1).split(" ");
    if (fields.length > 2) throw new Error(`trailing garbage, ${where}`);
    const raw = fields[0]!;
    const value =
      raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : raw === "NaN" ? NaN : Number(raw);
    if (raw === "" || (Number.isNaN(value) && raw !== "NaN"))
      throw new Error(`bad value, ${where}`);
    const f = familyOf(name);
    if (!f) throw new Error(`sample of an undeclared family, ${where}`);
    const id = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(id)) throw new Error(`duplicate series, ${where}`);
    seen.add(id);
    f.samples.push({ name, labels, value });
  }
  for (const [name, f] of families) {
    if (f.type !== "histogram") continue;
    const series = new Map<string, Sample[]>();
    for (const s of f.samples) {
      const { le: _le, ...rest } = s.labels;
      const k = JSON.stringify(Object.entries(rest).sort());
      series.set(k, [...(series.get(k) ?? []), s]);
    }
    for (const samples of series.values()) {
      const buckets = samples.filter((s) => s.name === `${name}_bucket`);
      const count = samples.find((s) => s.name === `${name}_count`);
      if (!count || !samples.some((s) => s.name === `${name}_sum`)) {
        throw new Error(`${name}: histogram without _sum/_count`);
      }
      let prevLe = -Infinity;
      let prev = 0;
      for (const b of buckets) {
        const le = b.labels.le === "+Inf" ? Infinity : Number(b.labels.le);
        if (!(le > prevLe) || b.value < prev) throw new Error(`${name}: buckets not cumulative`);
        prevLe = le;
        prev = b.value;
      }
      if (prevLe !== Infinity || prev !== count.value) {
        throw new Error(`${name}: the +Inf bucket must equal _count`);
      }
    }
  }
  return families;
}

function value(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}

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
    const manager = new Manager({
      client,
      clock,
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

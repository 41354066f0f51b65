/**
 * A small metrics registry (counters, gauges, histograms with labels) that
 * renders the Prometheus text exposition format (version 0.0.4) and serves
 * it as a fetch handler. Hand-written and web-standard, so it runs wherever
 * kubeloop runs; kubeloop's hooks (`WorkQueueMetrics`, `ReconcileMetrics`)
 * feed it through the adapters in `hooks.ts`.
 *
 * @module
 */

/**
 * Label values by label name.
 *
 * @example
 * ```ts
 * import type { MetricLabels } from "kubeloop";
 * const labels: MetricLabels = { controller: "websites", result: "success" };
 * ```
 */
export type MetricLabels = Readonly<Record<string, string>>;

/**
 * The Prometheus metric types this registry renders.
 *
 * @example
 * ```ts
 * import type { MetricType } from "kubeloop";
 * const t: MetricType = "histogram";
 * ```
 */
export type MetricType = "counter" | "gauge" | "histogram";

/**
 * `Content-Type` of the Prometheus text exposition format.
 *
 * @example
 * ```ts
 * import { PROMETHEUS_CONTENT_TYPE } from "kubeloop";
 * new Response("", { headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE } });
 * ```
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A metric or label name is invalid, or a metric is registered twice with
 * another type or label set.
 *
 * @example
 * ```ts
 * import { MetricsRegistry, MetricRegistrationError } from "kubeloop";
 * const registry = new MetricsRegistry();
 * registry.counter("jobs_total", "Jobs.", ["queue"]);
 * try {
 *   registry.gauge("jobs_total", "Jobs.", ["queue"]);
 * } catch (err) {
 *   if (err instanceof MetricRegistrationError) console.log(err.message);
 * }
 * ```
 */
export class MetricRegistrationError extends Error {
  /** Always `"MetricRegistrationError"`. */
  override readonly name = "MetricRegistrationError";
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? "")}"`);
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/**
 * What {@link Counter}, {@link Gauge} and {@link Histogram} share: a name,
 * help text, label names, and one series per label set.
 *
 * @example
 * ```ts
 * import { MetricsRegistry, type MetricFamily } from "kubeloop";
 * const registry = new MetricsRegistry();
 * const names = registry.families().map((f: MetricFamily<unknown>) => `${f.name} (${f.type})`);
 * ```
 */
export abstract class MetricFamily<C> {
  /** The metric name. */
  readonly name: string;
  /** The `# HELP` text. */
  readonly help: string;
  /** Label names, in order. */
  readonly labelNames: readonly string[];
  /** The metric type. */
  abstract readonly type: MetricType;
  /** Series by joined label values. */
  protected readonly children: Map<string, { values: string[]; child: C }> = new Map();

  /**
   * Create the family.
   *
   * @throws {MetricRegistrationError} for an invalid metric or label name.
   */
  constructor(name: string, help: string, labelNames: readonly string[]) {
    if (!NAME.test(name))
      throw new MetricRegistrationError(`invalid metric name ${JSON.stringify(name)}`);
    for (const l of labelNames) {
      if (!LABEL.test(l) || l.startsWith("__") || l === "le") {
        throw new MetricRegistrationError(`invalid label name ${JSON.stringify(l)} of ${name}`);
      }
    }
    this.name = name;
    this.help = help;
    this.labelNames = [...labelNames];
  }

  /** A new, zeroed series. */
  protected abstract make(): C;

  /** The series for these label values (created at zero on first use). */
  labels(labels: MetricLabels = {}): C {
    const values = this.labelNames.map((n) => labels[n] ?? "");
    const key = values.join("\u0000");
    let entry = this.children.get(key);
    if (entry === undefined) {
      entry = { values, child: this.make() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  /** Forget every series (e.g. before a collector sets them afresh). */
  reset(): void {
    this.children.clear();
  }

  /** Append the family's lines in the text format to `out`. */
  abstract render(out: string[]): void;

  /** Append the `# HELP` and `# TYPE` lines. */
  protected header(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
  }
}

/**
 * One counter series: only goes up.
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "kubeloop";
 * const total = new MetricsRegistry().counter("jobs_total", "Jobs run.", ["queue"]).labels({ queue: "a" });
 * total.inc();
 * total.value; // 1
 * ```
 */
export class CounterChild {
  /** The current value. */
  value = 0;
  /**
   * Add `by` (default 1).
   *
   * @throws {RangeError} if `by` is negative.
   */
  inc(by = 1): void {
    if (by < 0) throw new RangeError("a counter only goes up");
    this.value += by;
  }
  /** Set the total, for counters read from elsewhere (a collector). */
  set(total: number): void {
    this.value = total;
  }
}

/**
 * One gauge series: goes up and down.
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "kubeloop";
 * const depth = new MetricsRegistry().gauge("queue_depth", "Items waiting.", []).labels();
 * depth.set(3);
 * depth.dec();
 * depth.value; // 2
 * ```
 */
export class GaugeChild {
  /** The current value. */
  value = 0;
  /** Set the value. */
  set(v: number): void {
    this.value = v;
  }
  /** Add `by` (default 1). */
  inc(by = 1): void {
    this.value += by;
  }
  /** Subtract `by` (default 1). */
  dec(by = 1): void {
    this.value -= by;
  }
}

/**
 * One histogram series: counts observations into cumulative buckets.
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "kubeloop";
 * const h = new MetricsRegistry().histogram("job_seconds", "Job durations.", [], [0.1, 1]).labels();
 * h.observe(0.05);
 * h.observe(3);
 * h.count; // 2
 * ```
 */
export class HistogramChild {
  /** Upper bounds (ascending; `+Inf` is implicit). */
  readonly buckets: readonly number[];
  /** Observations per bucket (not cumulative; the last slot is `+Inf`). */
  readonly counts: number[];
  /** Sum of all observations. */
  sum = 0;
  /** Number of observations. */
  count = 0;
  /**
   * Create an empty series.
   *
   * @param buckets ascending upper bounds.
   */
  constructor(buckets: readonly number[]) {
    this.buckets = buckets;
    this.counts = new Array(buckets.length + 1).fill(0);
  }
  /** Record one observation. */
  observe(v: number): void {
    // the first bucket whose bound is >= v (binary search: 40 buckets is common)
    const b = this.buckets;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v > b[mid]!) lo = mid + 1;
      else hi = mid;
    }
    this.counts[lo]!++;
    this.sum += v;
    this.count++;
  }
}

/**
 * A counter family (one series per label set).
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "kubeloop";
 * const c = new MetricsRegistry().counter("reconciles_total", "Reconciles.", ["result"]);
 * c.labels({ result: "success" }).inc();
 * ```
 */
export class Counter extends MetricFamily<CounterChild> {
  /** Always `"counter"`. */
  readonly type = "counter" as const;
  /** A new, zeroed series. */
  protected make(): CounterChild {
    return new CounterChild();
  }
  /** Render the family in the text format. */
  render(out: string[]): void {
    this.header(out);
    for (const { values, child } of this.children.values()) {
      out.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(child.value)}`);
    }
  }
}

/**
 * A gauge family (one series per label set).
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "kubeloop";
 * const g = new MetricsRegistry().gauge("workers_busy", "Busy workers.", ["controller"]);
 * g.labels({ controller: "websites" }).set(2);
 * ```
 */
export class Gauge extends MetricFamily<GaugeChild> {
  /** Always `"gauge"`. */
  readonly type = "gauge" as const;
  /** A new, zeroed series. */
  protected make(): GaugeChild {
    return new GaugeChild();
  }
  /** Render the family in the text format. */
  render(out: string[]): void {
    this.header(out);
    for (const { values, child } of this.children.values()) {
      out.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(child.value)}`);
    }
  }
}

/**
 * A histogram family (one series per label set, shared buckets).
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "kubeloop";
 * const h = new MetricsRegistry().histogram("reconcile_seconds", "Reconcile time.", ["controller"], [0.01, 0.1, 1]);
 * h.labels({ controller: "websites" }).observe(0.02);
 * ```
 */
export class Histogram extends MetricFamily<HistogramChild> {
  /** Always `"histogram"`. */
  readonly type = "histogram" as const;
  /** Upper bounds of the buckets. */
  readonly buckets: readonly number[];
  /**
   * Create the family (use {@link MetricsRegistry.histogram}).
   *
   * @throws {MetricRegistrationError} for invalid names or buckets that are not ascending.
   */
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ) {
    super(name, help, labelNames);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]! > buckets[i - 1]!)) {
        throw new MetricRegistrationError(`buckets of ${name} must be strictly ascending`);
      }
    }
    this.buckets = buckets.filter((b) => b !== Number.POSITIVE_INFINITY);
  }
  /** A new, zeroed series. */
  protected make(): HistogramChild {
    return new HistogramChild(this.buckets);
  }
  /** Render the family in the text format. */
  render(out: string[]): void {
    this.header(out);
    for (const { values, child } of this.children.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += child.counts[i]!;
        const le = i < this.buckets.length ? formatValue(this.buckets[i]!) : "+Inf";
        out.push(
          `${this.name}_bucket${labelText(this.labelNames, values, `le="${le}"`)} ${cumulative}`,
        );
      }
      out.push(`${this.name}_sum${labelText(this.labelNames, values)} ${formatValue(child.sum)}`);
      out.push(`${this.name}_count${labelText(this.labelNames, values)} ${child.count}`);
    }
  }
}

/**
 * `count` buckets starting at `start`, each `factor` times the previous
 * (Prometheus' `ExponentialBuckets`).
 *
 * @example
 * ```ts
 * import { exponentialBuckets } from "kubeloop";
 * exponentialBuckets(0.001, 10, 4); // [0.001, 0.01, 0.1, 1]
 * ```
 */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const out: number[] = [];
  let v = start;
  for (let i = 0; i < count; i++) {
    out.push(Number(v.toPrecision(12)));
    v *= factor;
  }
  return out;
}

/**
 * Metric families plus collectors (functions that refresh pulled values
 * right before each render), rendered in the Prometheus text format.
 * Registering a name again returns the existing family when its type and
 * labels match.
 *
 * @example
 * ```ts
 * import { MetricsRegistry } from "kubeloop";
 * const registry = new MetricsRegistry();
 * const jobs = registry.counter("jobs_total", "Jobs run.", ["queue"]);
 * jobs.labels({ queue: "a" }).inc();
 * const text = registry.render();
 * // # HELP jobs_total Jobs run.
 * // # TYPE jobs_total counter
 * // jobs_total{queue="a"} 1
 * const res = await registry.handler(new Request("http://localhost/metrics"));
 * ```
 */
export class MetricsRegistry {
  readonly #families = new Map<string, Counter | Gauge | Histogram>();
  readonly #collectors: (() => void)[] = [];

  /** A counter family (created on first use). */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#family(name, "counter", labelNames, () => new Counter(name, help, labelNames));
  }

  /** A gauge family (created on first use). */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#family(name, "gauge", labelNames, () => new Gauge(name, help, labelNames));
  }

  /** A histogram family with these bucket upper bounds (created on first use). */
  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ): Histogram {
    return this.#family(
      name,
      "histogram",
      labelNames,
      () => new Histogram(name, help, labelNames, buckets),
    );
  }

  /** Run `collect` before every render (to set gauges or counters read from elsewhere). */
  addCollector(collect: () => void): void {
    this.#collectors.push(collect);
  }

  /** The families registered so far, in registration order. */
  families(): readonly (Counter | Gauge | Histogram)[] {
    return [...this.#families.values()];
  }

  /** Run the collectors, then render every family in the text format (families sorted by name). */
  render(): string {
    for (const c of this.#collectors) c();
    const out: string[] = [];
    const names = [...this.#families.keys()].sort();
    for (const n of names) this.#families.get(n)!.render(out);
    return out.length === 0 ? "" : `${out.join("\n")}\n`;
  }

  /** A fetch handler answering every request with {@link MetricsRegistry.render}. */
  readonly handler: (request: Request) => Response = () =>
    new Response(this.render(), { headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE } });

  #family<F extends Counter | Gauge | Histogram>(
    name: string,
    type: MetricType,
    labelNames: readonly string[],
    make: () => F,
  ): F {
    const existing = this.#families.get(name);
    if (existing !== undefined) {
      if (existing.type !== type || existing.labelNames.join(",") !== labelNames.join(",")) {
        throw new MetricRegistrationError(
          `metric ${name} is already registered as a ${existing.type} with labels [${existing.labelNames.join(", ")}]`,
        );
      }
      return existing as F;
    }
    const f = make();
    this.#families.set(name, f);
    return f;
  }
}

/**
 * The core of `npm run demo`: run the ConfigMap mirror controller from
 * examples/shared against a fake API server (in-process, with injected faults)
 * or a real cluster, drive churn, show progress and check convergence.
 *
 * Web-standard APIs only, so tests run it on Node, Deno and Bun.
 *
 * @module
 */
import {
  createMirror,
  diffMirrors,
  isConverged,
  MIRROR_LABEL,
  MIRRORED_LABEL,
  type MirrorDiff,
} from "../../examples/shared/mirror.ts";
import {
  type ConfigMap,
  ConfigMaps,
  isConflict,
  isNotFound,
  KubeClient,
  type LogFields,
  type Logger,
  Namespaces,
  silentLogger,
  type WorkQueueMetrics,
} from "../../src/mod.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { seededRandom } from "../../src/testing/random.ts";
import { churn, type PlannedFault, sleep } from "./churn.ts";
import { type DemoOutput, paint, statusLine } from "./status-line.ts";

export type { DemoOutput } from "./status-line.ts";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Run against this cluster; default: a fake API server in-process, with faults. */
  client?: KubeClient | undefined;
  /** Describes the cluster in the output (e.g. the kubeconfig context). */
  clusterName?: string | undefined;
  /** How long to drive churn (ms, default 10 000). */
  churnMs?: number | undefined;
  /** Keep churning past `churnMs` until this many changes were made (default 0; tests use it on a busy machine). */
  minChanges?: number | undefined;
  /** How long to wait for convergence after the churn (ms, default 8 000). */
  settleMs?: number | undefined;
  /** Changes per second (default 25). */
  opsPerSecond?: number | undefined;
  /** Most source ConfigMaps alive at once (default 40). */
  maxObjects?: number | undefined;
  /** Inject faults (fake server only; default true). */
  faults?: boolean | undefined;
  /** Seed for the churn (default 1). */
  seed?: number | undefined;
  sourceNamespace?: string | undefined;
  targetNamespace?: string | undefined;
  /** Progress output (default: none). */
  out?: DemoOutput | undefined;
  /** Progress interval (ms, default 500). */
  tickMs?: number | undefined;
  /**
   * Where the informer and the controller log. Default: against a cluster,
   * warnings and errors are printed as lines of the output; against the fake
   * server, whose faults are injected on purpose, nothing (they are counted
   * in the stats and the summary instead).
   */
  logger?: Logger | undefined;
  /** Delete the demo's ConfigMaps from a real cluster at the end (default true). */
  cleanup?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** Counters shown while the demo runs. */
export interface DemoStats {
  /** Objects in the informer's cache. */
  objects: number;
  synced: boolean;
  /** Watch events the informer applied. */
  events: number;
  /** Lists after the first (410s, failures). */
  relists: number;
  /** Watches resumed from a resource version. */
  reconnects: number;
  /** Successful reconciles (applies and deletes). */
  reconciles: number;
  /** Failed reconciles (each retried with backoff). */
  errors: number;
  /** Rate-limited re-adds. */
  retries: number;
  /** Keys waiting in the queue. */
  queueDepth: number;
  /** Changes the churn driver made. */
  changes: number;
  /** Faults injected. */
  faults: string[];
}

/** What {@link runDemo} resolves to. */
export interface DemoSummary {
  mode: "fake" | "cluster";
  converged: boolean;
  /** Milliseconds from the end of the churn to convergence (undefined if it did not converge). */
  convergedAfterMs: number | undefined;
  diff: MirrorDiff;
  stats: DemoStats;
  durationMs: number;
}

const WORDS = ["red", "green", "blue", "amber", "teal", "violet", "coral", "olive", "plum", "sand"];

/**
 * Run the demo: start the mirror controller, drive churn (with faults on the
 * fake server), print progress, then wait for the mirrors to converge.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const started = Date.now();
  const churnMs = options.churnMs ?? 10_000;
  const settleMs = options.settleMs ?? 8_000;
  const opsPerSecond = options.opsPerSecond ?? 25;
  const maxObjects = options.maxObjects ?? 40;
  const sourceNs = options.sourceNamespace ?? "kubeloop-demo";
  const targetNs = options.targetNamespace ?? "kubeloop-demo-mirror";
  const random = seededRandom(options.seed ?? 1);
  const out = options.out;
  const status = statusLine(out, started, {
    fields: (n) => {
      const s = stats;
      return [
        s.synced
          ? [`synced ${s.objects}`, `${c("32", "synced")} ${c("1", String(s.objects))}`]
          : ["syncing", c("33", "syncing")],
        n("events", s.events),
        n("reconciles", s.reconciles),
        n("retries", s.retries, true),
        n("queue", s.queueDepth),
        n("relists", s.relists),
        n("changes", s.changes),
      ];
    },
    plain: () => {
      const s = stats;
      return `synced=${s.synced ? "yes" : "no"} objects=${s.objects} events=${s.events} reconciles=${s.reconciles} retries=${s.retries} queue=${s.queueDepth} relists=${s.relists} reconnects=${s.reconnects} changes=${s.changes}`;
    },
  });
  const { c, t, say } = status;
  const clearLive = status.clear;

  const fake = options.client ? undefined : new FakeApiServer();
  const client =
    options.client ?? new KubeClient({ server: "http://fake.local", fetch: fake!.fetch });
  const mode: DemoSummary["mode"] = fake ? "fake" : "cluster";
  const injectFaults = fake !== undefined && (options.faults ?? true);

  const stats: DemoStats = {
    objects: 0,
    synced: false,
    events: 0,
    relists: 0,
    reconnects: 0,
    reconciles: 0,
    errors: 0,
    retries: 0,
    queueDepth: 0,
    changes: 0,
    faults: [],
  };
  const metrics: WorkQueueMetrics = {
    depth: (d) => {
      stats.queueDepth = d;
    },
    add() {},
    queueLatency() {},
    workDuration() {},
    retry: () => {
      stats.retries++;
    },
    unfinishedWork() {},
  };

  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });

  // --- output -------------------------------------------------------------
  const refresh = () => {
    const s = mirror.informer.stats();
    stats.events = s.events;
    stats.relists = s.relists;
    stats.reconnects = s.reconnects;
    stats.synced = mirror.informer.hasSynced();
    stats.objects = mirror.informer.store.keys().length;
  };
  const tick = () => {
    refresh();
    status.tick();
  };

  // --- controller ---------------------------------------------------------
  const line =
    (level: string) =>
    (msg: string, fields?: LogFields): void =>
      say(c("33", `${level} ${msg}${fields ? ` ${JSON.stringify(fields)}` : ""}`));
  const logger: Logger =
    options.logger ??
    (fake ? silentLogger : { debug() {}, info() {}, warn: line("WARN"), error: line("ERROR") });
  const mirror = createMirror({
    client,
    logger,
    sourceNamespace: sourceNs,
    targetNamespace: targetNs,
    metrics,
    onAction: () => {
      stats.reconciles++;
    },
    onError: () => {
      stats.errors++;
    },
  });

  say(
    c(
      "1",
      `kubeloop demo: mirroring ConfigMaps labelled ${MIRROR_LABEL}=true from ${sourceNs} to ${targetNs}`,
    ),
  );
  say(
    c(
      "2",
      fake
        ? "  against the fake API server (in-process), with injected faults; set KUBECONFIG or pass --kubeconfig for a real cluster"
        : `  against ${options.clusterName ?? "the cluster"} (${client.toString()})`,
    ),
  );

  if (!fake) {
    for (const name of [sourceNs, targetNs]) {
      try {
        await client.create(Namespaces, { metadata: { name } });
        say(`  created namespace ${name}`);
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  const running = mirror.run(stop.signal);
  let runError: unknown;
  running.catch((err: unknown) => {
    runError = err;
  });
  const ticker = setInterval(tick, options.tickMs ?? 500);

  // --- churn --------------------------------------------------------------
  const alive = new Set<string>();
  let nextId = 0;
  const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(random() * xs.length)];
  const word = () => pick(WORDS) ?? "red";
  const change = async (): Promise<void> => {
    const names = [...alive];
    const r = random();
    const name = pick(names);
    if (names.length < 5 || (r < 0.35 && names.length < maxObjects) || name === undefined) {
      const n = `cm-${String(nextId++).padStart(3, "0")}`;
      const labelled = random() < 0.8;
      await client.create(ConfigMaps, {
        metadata: {
          name: n,
          namespace: sourceNs,
          labels: { "kubeloop.dev/demo": "true", ...(labelled ? { [MIRROR_LABEL]: "true" } : {}) },
        },
        data: { colour: word(), size: String(Math.floor(random() * 100)) },
      });
      alive.add(n);
    } else if (r < 0.7) {
      await client.patch(
        ConfigMaps,
        name,
        { data: { colour: word(), size: String(Math.floor(random() * 100)) } },
        { type: "merge", namespace: sourceNs },
      );
    } else if (r < 0.8) {
      // Toggle the label: the informer sees an unlabelled object as deleted.
      const labelled = random() < 0.5;
      await client.patch(
        ConfigMaps,
        name,
        { metadata: { labels: { [MIRROR_LABEL]: labelled ? "true" : null } } },
        { type: "merge", namespace: sourceNs },
      );
    } else {
      alive.delete(name);
      await client.delete(ConfigMaps, name, { namespace: sourceNs });
    }
    stats.changes++;
  };

  const faultPlan: PlannedFault[] = injectFaults
    ? [
        {
          at: 0.25,
          label:
            "cut every watch mid-line (connection reset) → reconnect from the last resourceVersion",
          run: () => fake!.faults.cutWatches({ reset: true }),
        },
        {
          at: 0.45,
          label: `burst of 500s on the next 8 writes to ${targetNs} → reconciles retry with backoff`,
          run: () =>
            void fake!.faults.failNext({
              status: 500,
              times: 8,
              method: "PATCH",
              path: `/api/v1/namespaces/${targetNs}/`,
            }),
        },
        {
          at: 0.65,
          label: "watch answers 410 Gone (resourceVersion too old) → relist",
          run: () => {
            fake!.faults.failNext({ watch: true, status: 410 });
            fake!.faults.closeWatches();
          },
        },
      ]
    : [];

  const churnStart = Date.now();
  try {
    await mirror.informer.waitForSync(stop.signal);
    say(`${c("32", "✓")} ${t()} informer synced; churning for ${(churnMs / 1000).toFixed(0)} s`);
    await churn({
      startedAt: churnStart,
      churnMs,
      minChanges: options.minChanges,
      opsPerSecond,
      random,
      signal: stop.signal,
      faults: faultPlan,
      stats,
      change,
      onFault: (label) => say(`${c("35", "⚡")} ${t()} ${label}`),
    });
    say(`${c("32", "✓")} ${t()} churn done (${stats.changes} changes); waiting for convergence`);

    // --- convergence --------------------------------------------------------
    const churnEnd = Date.now();
    let diff = await currentDiff(client, sourceNs, targetNs);
    let convergedAfterMs: number | undefined;
    while (!stop.signal.aborted) {
      refresh();
      if (isConverged(diff) && stats.queueDepth === 0 && stats.synced) {
        convergedAfterMs = Date.now() - churnEnd;
        break;
      }
      if (Date.now() - churnEnd > settleMs || runError) break;
      await sleep(250, stop.signal);
      diff = await currentDiff(client, sourceNs, targetNs);
    }
    clearInterval(ticker);
    tick();
    clearLive();
    const converged = convergedAfterMs !== undefined;
    const summary: DemoSummary = {
      mode,
      converged,
      convergedAfterMs,
      diff,
      stats: { ...stats, faults: [...stats.faults] },
      durationMs: Date.now() - started,
    };
    if (out) out.write(formatSummary(summary, out.color ?? false));
    return summary;
  } finally {
    clearInterval(ticker);
    clearLive();
    stop.abort();
    await running.catch(() => {});
    options.signal?.removeEventListener("abort", onOuterAbort);
    if (!fake && (options.cleanup ?? true)) await cleanup(client, sourceNs, targetNs);
    await fake?.close();
  }
}

async function currentDiff(
  client: KubeClient,
  sourceNs: string,
  targetNs: string,
): Promise<MirrorDiff> {
  const [sources, mirrors] = await Promise.all([
    client.listAll(ConfigMaps, { namespace: sourceNs }),
    client.listAll(ConfigMaps, { namespace: targetNs, labelSelector: `${MIRRORED_LABEL}=true` }),
  ]);
  return diffMirrors(sources.items as ConfigMap[], mirrors.items as ConfigMap[], targetNs);
}

async function cleanup(client: KubeClient, sourceNs: string, targetNs: string): Promise<void> {
  const del = async (ns: string, selector: string) => {
    const list = await client.listAll(ConfigMaps, { namespace: ns, labelSelector: selector });
    for (const cm of list.items) {
      try {
        await client.delete(ConfigMaps, cm.metadata.name ?? "", { namespace: ns });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  };
  await del(sourceNs, "kubeloop.dev/demo=true");
  await del(targetNs, `${MIRRORED_LABEL}=true`);
}

/** The end-of-run report. */
export function formatSummary(s: DemoSummary, color = false): string {
  const c = paint(color);
  const st = s.stats;
  const lines = [
    "",
    c("1", "Summary"),
    `  mode          ${s.mode === "fake" ? "fake API server (in-process)" : "cluster"}`,
    `  duration      ${(s.durationMs / 1000).toFixed(1)} s`,
    `  changes       ${st.changes} (creates, updates, label flips, deletes)`,
    `  faults        ${st.faults.length === 0 ? "none" : st.faults.length}`,
    ...st.faults.map((f) => `                - ${f}`),
    `  informer      ${st.events} events, ${st.reconnects} watch reconnects, ${st.relists} relists, ${st.objects} objects cached`,
    `  controller    ${st.reconciles} reconciles, ${st.errors} failed attempts, ${st.retries} retries`,
    `  mirrors       ${s.diff.actual} in the target namespace, ${s.diff.desired} desired`,
  ];
  if (s.converged) {
    lines.push(
      `  ${c("32;1", "✓ converged")} ${((s.convergedAfterMs ?? 0) / 1000).toFixed(1)} s after the churn stopped: every labelled source has an up-to-date mirror, and no mirror is left over`,
    );
  } else {
    const show = (xs: string[]) =>
      xs.length > 5 ? `${xs.slice(0, 5).join(", ")}, …` : xs.join(", ");
    lines.push(`  ${c("31;1", "✗ not converged")}`);
    if (s.diff.missing.length)
      lines.push(`    missing (${s.diff.missing.length}): ${show(s.diff.missing)}`);
    if (s.diff.stale.length)
      lines.push(`    stale   (${s.diff.stale.length}): ${show(s.diff.stale)}`);
    if (s.diff.extra.length)
      lines.push(`    extra   (${s.diff.extra.length}): ${show(s.diff.extra)}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * `npm run demo -- --operator`: the Website operator from examples/operator
 * under churn (Websites created, edited, re-hosted and deleted) and faults
 * (a flaky external registry, failing writes, cut watches), with a live
 * progress line and a convergence check: every Website reconciled for its
 * current generation, exactly the live hosts registered, every deleted
 * Website's cleanup run and the Website gone.
 *
 * Web-standard APIs only, so tests run it on Node, Deno and Bun.
 *
 * @module
 */
import {
  isReconciled,
  REPORTING_CONTROLLER,
  WEBSITE_LABEL,
  websiteOperator,
} from "../../examples/operator/operator.ts";
import { FakeRegistry } from "../../examples/operator/registry.ts";
import { type Website, Websites, websiteCrd } from "../../examples/operator/website.ts";
import {
  ConfigMaps,
  CustomResourceDefinitions,
  Deployments,
  EventsV1,
  findCondition,
  isConflict,
  isNotFound,
  KubeClient,
  Namespaces,
  Services,
  silentLogger,
} from "../../src/mod.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { seededRandom } from "../../src/testing/random.ts";
import { churn, type PlannedFault, sleep } from "./churn.ts";
import { type DemoOutput, paint, statusLine } from "./status-line.ts";

/** Options of {@link runOperatorDemo}. */
export interface OperatorDemoOptions {
  /** Run against this cluster; default: a fake API server in-process, with faults. */
  client?: KubeClient | undefined;
  /** Describes the cluster in the output (e.g. the kubeconfig context). */
  clusterName?: string | undefined;
  /** How long to drive churn (ms, default 8 000). */
  churnMs?: number | undefined;
  /** Keep churning past `churnMs` until this many changes were made (default 0; tests use it on a busy machine). */
  minChanges?: number | undefined;
  /** How long to wait for convergence after the churn (ms, default 15 000). */
  settleMs?: number | undefined;
  /** Changes per second (default 6). */
  opsPerSecond?: number | undefined;
  /** Most Websites alive at once (default 12). */
  maxWebsites?: number | undefined;
  /** Inject faults (fake server only; default true). */
  faults?: boolean | undefined;
  /** Seed for the churn (default 1). */
  seed?: number | undefined;
  /** Namespace of the demo's Websites (default `kubeloop-operator-demo`). */
  namespace?: string | undefined;
  /** Progress output (default: none). */
  out?: DemoOutput | undefined;
  /** Progress interval (ms, default 500). */
  tickMs?: number | undefined;
  /** Delete the demo's Websites (and their children) from a real cluster at the end (default true). */
  cleanup?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** Counters shown while the operator demo runs. */
export interface OperatorDemoStats {
  /** Websites that exist (terminating ones included). */
  websites: number;
  /** Websites reconciled for their current generation. */
  reconciled: number;
  /** Websites whose Deployment reports every replica available. */
  available: number;
  /** Successful applies. */
  applies: number;
  /** Finalizer cleanups that succeeded. */
  cleanups: number;
  /** Failed reconcile attempts (each retried with backoff). */
  errors: number;
  /** Hosts in the external registry. */
  registered: number;
  /** Events the operator created or updated. */
  events: number;
  /** Keys waiting in the queue. */
  queueDepth: number;
  /** Changes the churn driver made. */
  changes: number;
  /** Websites the churn deleted. */
  deleted: number;
  /** Faults injected. */
  faults: string[];
}

/** What {@link runOperatorDemo} resolves to. */
export interface OperatorDemoSummary {
  mode: "fake" | "cluster";
  converged: boolean;
  /** Milliseconds from the end of the churn to convergence (undefined if it did not converge). */
  convergedAfterMs: number | undefined;
  /** Why it has not converged (empty once it has). */
  problems: string[];
  stats: OperatorDemoStats;
  durationMs: number;
}

const WORDS = ["amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "haven", "iris"];

/**
 * Run the operator demo: start the operator (leader election included),
 * drive churn (with faults on the fake server), print progress, then wait
 * for convergence.
 */
export async function runOperatorDemo(
  options: OperatorDemoOptions = {},
): Promise<OperatorDemoSummary> {
  const started = Date.now();
  const churnMs = options.churnMs ?? 8_000;
  const settleMs = options.settleMs ?? 15_000;
  const opsPerSecond = options.opsPerSecond ?? 6;
  const maxWebsites = options.maxWebsites ?? 12;
  const ns = options.namespace ?? "kubeloop-operator-demo";
  const random = seededRandom(options.seed ?? 1);
  const out = options.out;
  const status = statusLine(out, started, {
    fields: (n) => {
      const s = stats;
      return [
        n("websites", s.websites),
        n("reconciled", s.reconciled),
        n("available", s.available),
        n("applies", s.applies),
        n("retries", s.errors, true),
        n("queue", s.queueDepth),
        n("registry", s.registered),
        n("events", s.events),
        n("changes", s.changes),
      ];
    },
    plain: () => {
      const s = stats;
      return `websites=${s.websites} reconciled=${s.reconciled} available=${s.available} applies=${s.applies} retries=${s.errors} queue=${s.queueDepth} registry=${s.registered} events=${s.events} changes=${s.changes}`;
    },
  });
  const { c, t, say } = status;
  const clearLive = status.clear;

  const fake = options.client ? undefined : new FakeApiServer();
  const client =
    options.client ?? new KubeClient({ server: "http://fake.local", fetch: fake!.fetch });
  const mode: OperatorDemoSummary["mode"] = fake ? "fake" : "cluster";
  const injectFaults = fake !== undefined && (options.faults ?? true);

  const stats: OperatorDemoStats = {
    websites: 0,
    reconciled: 0,
    available: 0,
    applies: 0,
    cleanups: 0,
    errors: 0,
    registered: 0,
    events: 0,
    queueDepth: 0,
    changes: 0,
    deleted: 0,
    faults: [],
  };
  const registry = new FakeRegistry();
  /** Successful finalizer cleanups per Website key. */
  const cleanups = new Map<string, number>();
  /** Websites the operator applied at least once (so their host was registered). */
  const applied = new Set<string>();
  const deletedKeys = new Set<string>();
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });

  // --- cluster setup ------------------------------------------------------
  say(
    c(
      "1",
      `kubeloop operator demo: Websites in ${ns}, each owning a Deployment, a Service and a ConfigMap`,
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
  if (fake) {
    fake.create(CustomResourceDefinitions, websiteCrd);
  } else {
    try {
      await client.create(CustomResourceDefinitions, websiteCrd);
      say(`  installed CRD ${websiteCrd.metadata.name}`);
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    for (let i = 0; ; i++) {
      const crd = await client.get(CustomResourceDefinitions, websiteCrd.metadata.name ?? "");
      if (crd.status?.conditions?.some((x) => x.type === "Established" && x.status === "True")) {
        break;
      }
      if (i > 100) throw new Error("the Website CRD did not become established");
      await sleep(100, stop.signal);
    }
    try {
      await client.create(Namespaces, { metadata: { name: ns } });
      say(`  created namespace ${ns}`);
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }

  // --- the operator ---------------------------------------------------------
  const op = websiteOperator({
    client,
    registry,
    identity: `demo-${Math.floor(random() * 1e6)}`,
    namespace: ns,
    leaseNamespace: ns,
    logger: silentLogger,
    onReconcile: (key, outcome) => {
      if (outcome === "apply") {
        stats.applies++;
        applied.add(key);
      } else if (outcome === "error") stats.errors++;
      else {
        stats.cleanups++;
        cleanups.set(key, (cleanups.get(key) ?? 0) + 1);
      }
    },
  });
  const websites = op.manager.informer(Websites, { namespace: ns });
  const refresh = () => {
    const all = websites.store.list();
    stats.websites = all.length;
    stats.reconciled = all.filter((w) => isReconciled(w)).length;
    stats.available = all.filter(
      (w) => findCondition(w.status?.conditions, "Available")?.status === "True",
    ).length;
    stats.registered = registry.entries.size;
    const rec = op.recorder.stats();
    stats.events = rec.created + rec.updated;
    const depth = op.manager.metrics?.families().find((f) => f.name === "workqueue_depth");
    const sample =
      depth?.type === "gauge"
        ? depth.labels({ controller: "websites", name: "websites" })
        : undefined;
    stats.queueDepth = sample?.value ?? 0;
  };
  const tick = () => {
    refresh();
    status.tick();
  };

  const running = op.manager.run(stop.signal);
  let runError: unknown;
  running.catch((err: unknown) => {
    runError = err;
  });
  const ticker = setInterval(tick, options.tickMs ?? 500);

  // On the fake server, a stand-in Deployment controller reports replicas available a moment later.
  const deploymentController = fake
    ? setInterval(() => {
        for (const d of fake.list(Deployments, { namespace: ns })) {
          const want = d.spec?.replicas ?? 1;
          const status = d.status as { availableReplicas?: number } | undefined;
          if (status?.availableReplicas === want) continue;
          try {
            fake.updateStatus(Deployments, {
              ...d,
              status: { replicas: want, readyReplicas: want, availableReplicas: want },
            });
          } catch {
            // deleted or changed meanwhile: next round
          }
        }
      }, 300)
    : undefined;

  // --- churn --------------------------------------------------------------
  const alive = new Set<string>();
  let nextId = 0;
  const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(random() * xs.length)];
  const word = () => pick(WORDS) ?? "amber";
  const change = async (): Promise<void> => {
    const names = [...alive];
    const r = random();
    const name = pick(names);
    if (names.length < 3 || (r < 0.4 && names.length < maxWebsites) || name === undefined) {
      const n = `site-${String(nextId++).padStart(3, "0")}`;
      await client.create(Websites, {
        metadata: { name: n, namespace: ns },
        spec: {
          host: `${n}.${word()}.example`,
          content: `<h1>${word()}</h1>`,
          replicas: 1 + Math.floor(random() * 3),
        },
      } satisfies Website);
      alive.add(n);
    } else if (r < 0.7) {
      await client.patch(
        Websites,
        name,
        { spec: { content: `<h1>${word()}</h1>`, replicas: 1 + Math.floor(random() * 3) } },
        { type: "merge", namespace: ns },
      );
    } else if (r < 0.8) {
      // a new host: the operator moves the registry entry
      await client.patch(
        Websites,
        name,
        { spec: { host: `${name}.${word()}.example` } },
        { type: "merge", namespace: ns },
      );
    } else {
      alive.delete(name);
      deletedKeys.add(`${ns}/${name}`);
      stats.deleted++;
      await client.delete(Websites, name, { namespace: ns });
    }
    stats.changes++;
  };

  const faultPlan: PlannedFault[] = injectFaults
    ? [
        {
          at: 0.2,
          label: "the external registry fails its next 4 calls → reconciles and cleanups retry",
          run: () => registry.failNext(4),
        },
        {
          at: 0.4,
          label: "burst of 500s on the next 6 Deployment applies → reconciles retry with backoff",
          run: () =>
            void fake!.faults.failNext({
              status: 500,
              times: 6,
              method: "PATCH",
              path: `/apis/apps/v1/namespaces/${ns}/deployments/`,
            }),
        },
        {
          at: 0.6,
          label:
            "cut every watch mid-line (connection reset) → informers resume from their resourceVersion",
          run: () => fake!.faults.cutWatches({ reset: true }),
        },
      ]
    : [];

  /** What keeps the demo from having converged, read from the API server (not the operator's cache). */
  const problems = async (): Promise<string[]> => {
    const list: string[] = [];
    const live = (await client.listAll(Websites, { namespace: ns })).items;
    for (const w of live) {
      const key = `${w.metadata.namespace}/${w.metadata.name}`;
      if (deletedKeys.has(key)) list.push(`${key} still exists after its delete`);
      else if (!isReconciled(w))
        list.push(`${key} not reconciled for generation ${w.metadata.generation}`);
    }
    const hosts = new Set(
      live
        .filter((w) => !deletedKeys.has(`${w.metadata.namespace}/${w.metadata.name}`))
        .map((w) => w.spec.host),
    );
    for (const host of registry.entries.keys()) {
      if (!hosts.has(host)) list.push(`registry still has ${host}`);
    }
    for (const host of hosts) {
      if (!registry.entries.has(host)) list.push(`registry misses ${host}`);
    }
    for (const key of deletedKeys) {
      // a Website deleted before its first apply never got the finalizer, nor a registry entry
      const runs = cleanups.get(key) ?? 0;
      if (
        runs > 1 ||
        (applied.has(key) &&
          runs !== 1 &&
          !live.some((w) => `${w.metadata.namespace}/${w.metadata.name}` === key))
      ) {
        list.push(`${key}: cleanup ran ${runs} times`);
      }
    }
    if (stats.queueDepth > 0) list.push(`${stats.queueDepth} keys queued`);
    return list;
  };

  try {
    while (!stop.signal.aborted && !op.manager.health().ready) {
      if (runError) throw runError;
      await sleep(50, stop.signal);
    }
    say(
      `${c("32", "✓")} ${t()} leading as ${op.manager.elector?.identity ?? "?"}; caches synced; churning for ${(churnMs / 1000).toFixed(0)} s`,
    );
    await churn({
      startedAt: Date.now(),
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
    say(
      `${c("32", "✓")} ${t()} churn done (${stats.changes} changes, ${stats.deleted} deletes); waiting for convergence`,
    );

    // --- convergence --------------------------------------------------------
    const churnEnd = Date.now();
    let convergedAfterMs: number | undefined;
    let left: string[] = [];
    while (!stop.signal.aborted) {
      refresh();
      left = await problems();
      if (left.length === 0) {
        convergedAfterMs = Date.now() - churnEnd;
        break;
      }
      if (Date.now() - churnEnd > settleMs || runError) break;
      await sleep(250, stop.signal);
    }
    await op.recorder.flush();
    clearInterval(ticker);
    tick();
    clearLive();
    const summary: OperatorDemoSummary = {
      mode,
      converged: convergedAfterMs !== undefined,
      convergedAfterMs,
      problems: left,
      stats: { ...stats, faults: [...stats.faults] },
      durationMs: Date.now() - started,
    };
    if (out) {
      const reasons = new Map<string, number>();
      const evs = await client.list(EventsV1, { namespace: ns });
      for (const e of evs.items) {
        if (e.reportingController !== REPORTING_CONTROLLER) continue;
        reasons.set(e.reason ?? "?", (reasons.get(e.reason ?? "?") ?? 0) + (e.series?.count ?? 1));
      }
      out.write(formatOperatorSummary(summary, reasons, out.color ?? false));
    }
    return summary;
  } finally {
    clearInterval(ticker);
    if (deploymentController) clearInterval(deploymentController);
    clearLive();
    if (!fake && (options.cleanup ?? true) && !runError) await cleanup(client, ns, stop.signal);
    stop.abort();
    await running.catch(() => {});
    options.signal?.removeEventListener("abort", onOuterAbort);
    await fake?.close();
  }
}

/** Delete the demo's Websites while the operator still runs (so their finalizers run), then their children. */
async function cleanup(client: KubeClient, ns: string, signal: AbortSignal): Promise<void> {
  const list = await client.listAll(Websites, { namespace: ns });
  for (const w of list.items) {
    try {
      await client.delete(Websites, w.metadata.name ?? "", { namespace: ns });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  for (let i = 0; i < 100 && !signal.aborted; i++) {
    if ((await client.listAll(Websites, { namespace: ns })).items.length === 0) break;
    await sleep(100, signal);
  }
  // A cluster's garbage collector removes the children; a lone API server has none.
  const selector = WEBSITE_LABEL;
  for (const type of [Deployments, Services, ConfigMaps] as const) {
    const children = await client.listAll(type, { namespace: ns, labelSelector: selector });
    for (const child of children.items) {
      try {
        await client.delete(type, child.metadata.name ?? "", { namespace: ns });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

/** The end-of-run report. */
export function formatOperatorSummary(
  s: OperatorDemoSummary,
  eventReasons: ReadonlyMap<string, number> = new Map(),
  color = false,
): string {
  const c = paint(color);
  const st = s.stats;
  const reasons = [...eventReasons.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ${n}`)
    .join(", ");
  const lines = [
    "",
    c("1", "Summary"),
    `  mode          ${s.mode === "fake" ? "fake API server (in-process)" : "cluster"}`,
    `  duration      ${(s.durationMs / 1000).toFixed(1)} s`,
    `  changes       ${st.changes} (creates, edits, host moves, ${st.deleted} deletes)`,
    `  faults        ${st.faults.length === 0 ? "none" : st.faults.length}`,
    ...st.faults.map((f) => `                - ${f}`),
    `  operator      ${st.applies} applies, ${st.cleanups} finalizer cleanups, ${st.errors} failed attempts (retried)`,
    `  websites      ${st.websites} live, ${st.reconciled} reconciled, ${st.available} available`,
    `  registry      ${st.registered} hosts`,
    `  events        ${reasons || "none"}`,
  ];
  if (s.converged) {
    lines.push(
      `  ${c("32;1", "✓ converged")} ${((s.convergedAfterMs ?? 0) / 1000).toFixed(1)} s after the churn stopped: every Website reconciled for its generation, exactly the live hosts registered, every deleted Website cleaned up once and gone`,
    );
  } else {
    lines.push(`  ${c("31;1", "✗ not converged")}`);
    for (const p of s.problems.slice(0, 8)) lines.push(`    - ${p}`);
    if (s.problems.length > 8) lines.push(`    … ${s.problems.length - 8} more`);
  }
  return `${lines.join("\n")}\n`;
}

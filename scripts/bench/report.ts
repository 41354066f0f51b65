/** Markdown report of the benchmark: medians over rounds, ratios against the raw baseline, target checks. */
import { readFileSync } from "node:fs";
import type { ClientResult } from "./harness.ts";

export interface ScenarioResult {
  name: string;
  title: string;
  pods: number;
  events: number;
  server: {
    port: number;
    buildMs: number;
    podBytes: number;
    metaBytes: number;
    watchBytes: number;
  };
  runs: Record<string, ClientResult[]>;
}

export interface Extras {
  queue?: { keys: number; cycles: number; rows: [string, number][] } | undefined;
  controller?:
    | {
        client: string;
        pods: number;
        events: number;
        rate: number;
        reconciles: number;
        eventsSeen: number;
        p50: number;
        p90: number;
        p99: number;
        max: number;
        callbacksPerSec: number;
        error?: string | undefined;
      }[]
    | undefined;
  /** Resume from a file checkpoint vs a full sync (scripts/bench/resume.ts), medians. */
  resume?:
    | {
        pods: number;
        bytes: number;
        saveMs: number;
        syncMs: number;
        listMs: number;
        resumeMs: number;
        loadMs: number;
        restoreMs: number;
        controllerSyncMs: number;
        controllerResumeMs: number;
        controllerSyncReconciles: number;
        controllerResumeReconciles: number;
        rounds: number;
      }
    | undefined;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function version(pkg: string): string {
  try {
    const url = new URL(`../../node_modules/${pkg}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

const f0 = (n: number): string =>
  Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–";
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : "–");
const ratio = (a: number, b: number): string =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "–";

interface Med {
  sync: number;
  syncCpu: number;
  cpuPerEvent: number;
  eps: number;
  heap: number;
  rss: number;
  seen: string;
  errors: string[];
}

function medians(runs: ClientResult[]): Med {
  const ok = runs.filter((r) => r.ok);
  const seen = [...new Set(runs.map((r) => r.eventsSeen))].join("/");
  return {
    sync: median(ok.map((r) => r.syncMs)),
    syncCpu: median(ok.flatMap((r) => (r.syncCpuMs === undefined ? [] : [r.syncCpuMs]))),
    cpuPerEvent: median(
      ok.flatMap((r) =>
        r.eventsExpected > 0 && r.cpuUsPerEvent !== undefined ? [r.cpuUsPerEvent] : [],
      ),
    ),
    eps: median(ok.filter((r) => r.eventsExpected > 0).map((r) => r.eventsPerSec)),
    heap: median(ok.map((r) => r.heapMB)),
    rss: median(ok.map((r) => r.rssMB)),
    seen,
    errors: [...new Set(runs.filter((r) => r.error).map((r) => r.error!))],
  };
}

export interface Machine {
  nproc: number;
  cpu: string;
  memGB: number;
  node: string;
  quick: boolean;
  rounds: number;
  totalSec: number;
  load: string;
}

export async function renderReport(
  results: ScenarioResult[],
  extras: Extras,
  machine: Machine,
): Promise<string> {
  const out: string[] = [];
  out.push(
    `Machine: ${machine.nproc} × ${machine.cpu}, ${machine.memGB} GB RAM, Node ${machine.node}; ` +
      `@kubernetes/client-node ${version("@kubernetes/client-node")}, kubernetes-fluent-client ${version("kubernetes-fluent-client")}, zod ${version("zod")}. ` +
      `${machine.rounds} round(s)${machine.quick ? " (--quick)" : ""}, medians; total ${machine.totalSec} s; 1-min load average ${machine.load}.`,
  );
  const targets: string[] = [];
  for (const s of results) {
    out.push("");
    out.push(
      `### ${s.title} (pod ${s.server.podBytes} B of JSON, metadata-only ${s.server.metaBytes} B)`,
    );
    out.push("");
    out.push(
      "| client | initial sync ms | × raw | sync CPU ms | × raw | watch events/s | × raw | CPU µs/event | × raw | heap MB | × raw | RSS MB | events seen |",
    );
    out.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    const raw = medians(s.runs.raw ?? []);
    const meds: Record<string, Med> = {};
    for (const [name, runs] of Object.entries(s.runs)) {
      const m = medians(runs);
      meds[name] = m;
      const bad = runs.some((r) => r.eventsSeen !== s.events) ? " ⚠️ MISMATCH" : "";
      const err = m.errors.length ? ` (${m.errors.join("; ")})` : "";
      const label =
        name === "ceiling"
          ? "ceiling: fetch, count bytes only"
          : name === "ceiling-curl"
            ? "ceiling: curl, one unpaged list"
            : name;
      const noMem = name.startsWith("ceiling");
      out.push(
        `| ${label} | ${f0(m.sync)} | ${ratio(m.sync, raw.sync)} | ${f0(m.syncCpu)} | ${ratio(m.syncCpu, raw.syncCpu)} | ${s.events ? f0(m.eps) : "–"} | ${s.events ? ratio(m.eps, raw.eps) : "–"} | ${s.events ? f1(m.cpuPerEvent) : "–"} | ${s.events ? ratio(m.cpuPerEvent, raw.cpuPerEvent) : "–"} | ${noMem ? "–" : f1(m.heap)} | ${noMem ? "–" : ratio(m.heap, raw.heap)} | ${f0(m.rss)} | ${m.seen}/${s.events}${bad}${err} |`,
      );
    }
    const kv = meds["kubeloop-validate"];
    const km = meds["kubeloop-metadata"];
    const cn = meds["client-node"];
    const fl = meds.fluent;
    if (kv) {
      const syncOk = kv.sync <= 0.9 * raw.sync;
      const peersOk =
        (!cn || kv.sync < cn.sync || !Number.isFinite(cn.sync)) &&
        (!fl || kv.sync < fl.sync || !Number.isFinite(fl.sync));
      targets.push(
        `- ${s.name}: initial sync (validation on) ${ratio(kv.sync, raw.sync)} raw (target ≤ 0.90×) ${syncOk ? "MET" : "MISSED"}; faster than client-node (${f0(cn?.sync ?? Number.NaN)} ms) and fluent (${f0(fl?.sync ?? Number.NaN)} ms): ${peersOk ? "MET" : "MISSED"}`,
      );
      if (s.events > 0) {
        const e = kv.eps / raw.eps;
        targets.push(
          `- ${s.name}: watch throughput (validation on) ${ratio(kv.eps, raw.eps)} raw (target ≥ 1.00×) ${e >= 1 ? "MET" : "MISSED"}`,
        );
        if (km) {
          const mm = km.eps / raw.eps;
          targets.push(
            `- ${s.name}: metadata-only events/s ${ratio(km.eps, raw.eps)} raw full objects (target ≥ 3×) ${mm >= 3 ? "MET" : "MISSED"}`,
          );
        }
      }
      if (s.name === "list50k") {
        const h = kv.heap / raw.heap;
        targets.push(
          `- ${s.name}: heap with ${s.pods} pods cached ${ratio(kv.heap, raw.heap)} raw (target ≤ 0.75×) ${h <= 0.75 ? "MET" : "MISSED"}`,
        );
      }
    }
  }
  if (extras.queue) {
    out.push("");
    out.push(
      `### Work queue (${f0(extras.queue.keys)} distinct keys, ${f0(extras.queue.cycles)} cycles per run, best of 3; scripts/bench-queue.ts)`,
    );
    out.push("");
    out.push("| measurement | cycles/s |");
    out.push("|---|---:|");
    for (const [name, v] of extras.queue.rows) out.push(`| ${name} | ${f0(v)} |`);
    const best =
      extras.queue.rows.find((r) => r[0].includes("(sync)"))?.[1] ??
      Math.max(...extras.queue.rows.map((r) => r[1]));
    const asyncRow = extras.queue.rows.find((r) => r[0].includes("await get()"))?.[1];
    targets.push(
      `- queue: ${f0(best)} add/get/done cycles/s (sync API; target ≥ 1,000,000) ${best >= 1e6 ? "MET" : "MISSED"}${asyncRow ? `; with await get(): ${f0(asyncRow)}/s` : ""}`,
    );
  }
  if (extras.controller?.length) {
    const c0 = extras.controller[0]!;
    out.push("");
    out.push(
      `### Controller end to end (${f0(c0.pods)} pods, ${f0(c0.events)} MODIFIED events paced at ${f0(c0.rate)}/s; latency = server write → callback, medians over rounds)`,
    );
    out.push("");
    out.push(
      "| client | events in | callbacks out | callbacks/s | p50 ms | p90 ms | p99 ms | max ms |",
    );
    out.push("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const c of extras.controller) {
      const label = c.client === "raw" ? "raw (callback per parsed event, no queue)" : c.client;
      out.push(
        `| ${label} | ${f0(c.eventsSeen)}/${f0(c.events)} | ${f0(c.reconciles)} | ${f0(c.callbacksPerSec)} | ${c.p50.toFixed(2)} | ${c.p90.toFixed(2)} | ${c.p99.toFixed(2)} | ${c.max.toFixed(2)} |${c.error ? ` ⚠️ ${c.error}` : ""}`,
      );
    }
  }
  if (extras.resume) {
    const r = extras.resume;
    out.push("");
    out.push(
      `### Resume from a file checkpoint vs full sync (${f0(r.pods)} pods, checkpoint ${f1(r.bytes / 1e6)} MB of JSON written in ${f0(r.saveMs)} ms; medians of ${r.rounds} rounds; both until the cache is complete and the watch is connected)`,
    );
    out.push("");
    out.push("| start | total ms | of which |");
    out.push("|---|---:|---|");
    out.push(`| full sync (paged list, validation) | ${f0(r.syncMs)} | list ${f0(r.listMs)} ms |`);
    out.push(
      `| resume (FileCheckpointStore) | ${f0(r.resumeMs)} | read + JSON.parse ${f0(r.loadMs)} ms, restore (validation) ${f0(r.restoreMs)} ms |`,
    );
    out.push(
      `| controller restart until idle, from scratch (no-op reconcile) | ${f0(r.controllerSyncMs)} | ${f0(r.controllerSyncReconciles)} reconciles |`,
    );
    out.push(
      `| controller restart until idle, from the checkpoint | ${f0(r.controllerResumeMs)} | ${f0(r.controllerResumeReconciles)} reconciles |`,
    );
    const speedup = r.syncMs / r.resumeMs;
    targets.push(
      `- resume: informer ${ratio(r.syncMs, r.resumeMs)} faster than a full sync at ${f0(r.pods)} pods (target ≥ 3×) ${speedup >= 3 ? "MET" : "MISSED"}; a restarted controller until idle ${ratio(r.controllerSyncMs, r.controllerResumeMs)} faster`,
    );
  }
  if (targets.length) {
    out.push("");
    out.push("### Targets");
    out.push("");
    out.push(...targets);
  }
  return out.join("\n");
}

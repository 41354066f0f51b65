/**
 * Validation cost per Pod (test/fixtures/pod.json) next to JSON.parse, and against kubeloop
 * 0.1.0's validate() with its hand-written Pod schema (the "before": scripts/bench/legacy-*.ts),
 * which checked only the fields controllers commonly read; the generated schema checks them all.
 * Rounds interleave the cases and report CPU time, so other load on the machine skews all alike.
 * Then the cold start an informer's first list meets: 1,000 fresh benchmark Pods (managedFields
 * dropped) validated in a new process, with the generated guards (what validate runs) and with
 * the schema compiled instead (useAttachedChecks(false)), median of 9 processes each.
 * Run: node --import tsx scripts/bench-validation.ts
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { PodSchema } from "../src/kinds/core/v1.ts";
import { ConfigMapSchema } from "../src/resources/core.ts";
import { KubernetesObjectSchema } from "../src/resources/meta.ts";
import { hasFastPath, useAttachedChecks, validate } from "../src/resources/validate.ts";
import { LegacyPodSchema } from "./bench/legacy-pod-schema.ts";
import { validate as legacyValidate } from "./bench/legacy-validate.ts";
import { makePod } from "./bench/pods.ts";

const COLD = process.argv.indexOf("--cold-child");
if (COLD > 0) {
  // a child: validate 1,000 fresh Pods, print the milliseconds
  if (process.argv[COLD + 1] === "compiler") useAttachedChecks(false);
  const pods = Array.from({ length: 1000 }, (_, i) => {
    const p = JSON.parse(JSON.stringify(makePod(i, String(1000 + i)))) as {
      metadata: Record<string, unknown>;
    };
    const { managedFields: _dropped, ...metadata } = p.metadata;
    p.metadata = metadata;
    return p;
  });
  const t0 = performance.now();
  for (const p of pods) if (!validate(PodSchema, p).success) throw new Error("invalid Pod");
  console.log((performance.now() - t0).toFixed(2));
  process.exit(0);
}

const text = readFileSync(new URL("../test/fixtures/pod.json", import.meta.url), "utf8");
const parsed = JSON.parse(text) as unknown;
const cm = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "a", namespace: "default", resourceVersion: "1" },
  data: { a: "1", b: "2" },
};

/** CPU nanoseconds per call, the minimum over `rounds` rounds (interleaved by the caller). */
function cpuNs(fn: () => unknown, n: number): number {
  const start = process.cpuUsage();
  let sink: unknown;
  for (let i = 0; i < n; i++) sink = fn();
  const d = process.cpuUsage(start);
  if (sink === Symbol.for("never")) console.log("");
  return ((d.user + d.system) * 1000) / n;
}

const cases: [string, () => unknown, number][] = [
  [`JSON.parse (Pod, ${text.length} bytes)`, () => JSON.parse(text), 2_000],
  [
    "validate(PodSchema, obj) (generated; what KubeClient runs)",
    () => validate(PodSchema, parsed),
    20_000,
  ],
  [
    "before: 0.1.0 validate() with the hand-written PodSchema",
    () => legacyValidate(LegacyPodSchema, parsed),
    20_000,
  ],
  [
    "today's validate() with the hand-written PodSchema",
    () => validate(LegacyPodSchema, parsed),
    20_000,
  ],
  ["PodSchema.safeParse (zod, generated)", () => PodSchema.safeParse(parsed), 2_000],
  [
    "KubernetesObjectSchema.parse (metadata only)",
    () => KubernetesObjectSchema.parse(parsed),
    20_000,
  ],
  ["ConfigMapSchema.parse (small)", () => ConfigMapSchema.parse(cm), 20_000],
];
for (const [, fn] of cases) for (let i = 0; i < 5_000; i++) fn(); // warm-up
const best = cases.map(() => Number.POSITIVE_INFINITY);
for (let round = 0; round < 9; round++) {
  cases.forEach(([, fn, n], i) => {
    best[i] = Math.min(best[i]!, cpuNs(fn, n));
  });
}
if (!hasFastPath(PodSchema)) console.log("warning: PodSchema has no fast path");
const base = best[0]!;
console.log(`${"operation".padEnd(60)} ${"ns/op".padStart(8)} ${"vs JSON.parse".padStart(14)}`);
cases.forEach(([name], i) => {
  const ns = best[i]!;
  console.log(
    `${name.padEnd(60)} ${ns.toFixed(0).padStart(8)} ${`${((ns / base) * 100).toFixed(0)}%`.padStart(14)}`,
  );
});
const after = best[1]!;
const before = best[2]!;
console.log(
  `validation per Pod, after vs before: ${after.toFixed(0)} ns vs ${before.toFixed(0)} ns (${((after / before) * 100).toFixed(0)}%)`,
);

const cold = { guards: [] as number[], compiler: [] as number[] };
for (let i = 0; i < 9; i++) {
  for (const mode of ["guards", "compiler"] as const) {
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, new URL(import.meta.url).pathname, "--cold-child", mode],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    cold[mode].push(Number(r.stdout.trim()));
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(
  `1,000 fresh Pods in a new process (median of 9): generated guards ${median(cold.guards).toFixed(1)} ms, compiled schema ${median(cold.compiler).toFixed(1)} ms`,
);

/**
 * Validation cost per Pod (test/fixtures/pod.json) next to JSON.parse, and against kubeloop
 * 0.1.0's validate() with its hand-written Pod schema (the "before": scripts/bench/legacy-*.ts),
 * which checked only the fields controllers commonly read; the generated schema checks them all.
 * Rounds interleave the cases and report CPU time, so other load on the machine skews all alike.
 * Run: node --import tsx scripts/bench-validation.ts
 */
import { readFileSync } from "node:fs";
import { PodSchema } from "../src/kinds/core/v1.ts";
import { ConfigMapSchema } from "../src/resources/core.ts";
import { KubernetesObjectSchema } from "../src/resources/meta.ts";
import { hasFastPath, validate } from "../src/resources/validate.ts";
import { LegacyPodSchema } from "./bench/legacy-pod-schema.ts";
import { validate as legacyValidate } from "./bench/legacy-validate.ts";

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

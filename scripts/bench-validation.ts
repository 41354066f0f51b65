/**
 * Validation cost vs JSON.parse for a realistic Pod (test/fixtures/pod.json).
 * Run: node --import tsx scripts/bench-validation.ts
 */
import { readFileSync } from "node:fs";
import { ConfigMapSchema, PodSchema } from "../src/resources/core.ts";
import { KubernetesObjectSchema } from "../src/resources/meta.ts";
import { hasFastPath, validate } from "../src/resources/validate.ts";

const text = readFileSync(new URL("../test/fixtures/pod.json", import.meta.url), "utf8");
const parsed = JSON.parse(text) as unknown;
const cm = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "a", namespace: "default", resourceVersion: "1" },
  data: { a: "1", b: "2" },
};

function bench(_name: string, fn: () => unknown, ms = 1000): number {
  for (let i = 0; i < 2000; i++) fn(); // warm-up
  let n = 0;
  let sink: unknown;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 500; i++) sink = fn();
    n += 500;
    now = performance.now();
  }
  if (sink === undefined) console.log("");
  const ns = ((now - start) * 1e6) / n;
  return ns;
}

const rows: [string, number][] = [
  [`JSON.parse (Pod, ${text.length} bytes)`, bench("parse", () => JSON.parse(text))],
  ["PodSchema.parse", bench("pod", () => PodSchema.parse(parsed))],
  ["PodSchema.safeParse", bench("pod-safe", () => PodSchema.safeParse(parsed))],
  [
    "validate(PodSchema, obj) (what KubeClient runs)",
    bench("fast", () => validate(PodSchema, parsed)),
  ],
  [
    "KubernetesObjectSchema.parse (metadata only)",
    bench("meta", () => KubernetesObjectSchema.parse(parsed)),
  ],
  ["ConfigMapSchema.parse (small)", bench("cm", () => ConfigMapSchema.parse(cm))],
];
if (!hasFastPath(PodSchema)) console.log("warning: PodSchema has no fast path");
const base = rows[0]![1];
console.log(`${"operation".padEnd(48)} ${"ns/op".padStart(10)} ${"vs JSON.parse".padStart(14)}`);
for (const [name, ns] of rows) {
  console.log(
    `${name.padEnd(48)} ${ns.toFixed(0).padStart(10)} ${`${((ns / base) * 100).toFixed(0)}%`.padStart(14)}`,
  );
}

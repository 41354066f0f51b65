/**
 * Benchmark API server: plain node:http, precomputed JSON buffers, so that it
 * is never the bottleneck. Serves N pods (`/api/v1/pods`, also per namespace)
 * with limit/continue paging, and a watch from the list's resource version
 * that writes M MODIFIED events as fast as the socket takes them, then ends.
 * Honours the PartialObjectMetadata Accept header (list and watch).
 *
 * Run: node --import tsx scripts/bench/server.ts <pods> <events> [rate] [--rv0-unpaged] [--large]
 * Prints one JSON line `{"port":...}` once ready. Control endpoints:
 * `POST /bench/reset` (fresh state before each client run), `GET /bench/stats`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { makeLargePod, makePod, partialMetadata } from "./pods.ts";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const N = Number(positional[0] ?? 1000);
const M = Number(positional[1] ?? 0);
/** Paced mode (controller benchmark): events per second, each stamped with its write time. */
const RATE = Number(positional[2] ?? 0);
/**
 * `--rv0-unpaged`: answer a list with `resourceVersion=0` in one response whatever its `limit`, as a real
 * API server does (it serves such a list from its watch cache, which does not page; checked on
 * kube-apiserver 1.20.2: `limit=1&resourceVersion=0` returns every item and no continue token).
 */
const RV0_UNPAGED = process.argv.includes("--rv0-unpaged");
/** `--large`: Pods of about 9 KB (scripts/bench/pods.ts `makeLargePod`) instead of 2.7 KB. */
const LARGE = process.argv.includes("--large");
const podOf = LARGE ? makeLargePod : makePod;
const STAMP = "0000000000000.000";
const BASE_RV = 1_000_000;
const LIST_RV = String(BASE_RV);
const LAST_RV = String(BASE_RV + M);
const CHUNK = 256 * 1024;

interface Variant {
  /** All items joined with commas; item i is items.subarray(off[i], off[i+1]-1). */
  items: Buffer;
  off: Uint32Array;
  /** Watch body in ~256 KB chunks. */
  watch: Buffer[];
  listKind: string;
  listApiVersion: string;
}

function buildVariant(meta: boolean): Variant {
  const parts: Buffer[] = [];
  const off = new Uint32Array(N + 1);
  let pos = 0;
  const pods: Record<string, unknown>[] = [];
  for (let i = 0; i < N; i++) {
    const pod = podOf(i, String(BASE_RV - N + i));
    pods.push(pod);
    const b = Buffer.from(`${JSON.stringify(meta ? partialMetadata(pod) : pod)},`);
    off[i] = pos;
    parts.push(b);
    pos += b.length;
  }
  off[N] = pos;
  const items = Buffer.concat(parts);
  const watch: Buffer[] = [];
  let pending: string[] = [];
  let pendingLen = 0;
  for (let j = 0; j < M; j++) {
    const pod = pods[j % N]!;
    const md = pod.metadata as Record<string, unknown>;
    const rv = String(BASE_RV + j + 1);
    const modified = {
      ...pod,
      metadata: {
        ...md,
        resourceVersion: rv,
        annotations: { ...(md.annotations as object), "bench/seq": String(j) },
      },
    };
    const line = `{"type":"MODIFIED","object":${JSON.stringify(meta ? partialMetadata(modified) : modified)}}\n`;
    pending.push(line);
    pendingLen += line.length;
    if (pendingLen >= CHUNK) {
      watch.push(Buffer.from(pending.join("")));
      pending = [];
      pendingLen = 0;
    }
  }
  if (pending.length) watch.push(Buffer.from(pending.join("")));
  return {
    items,
    off,
    watch,
    listKind: meta ? "PartialObjectMetadataList" : "PodList",
    listApiVersion: meta ? "meta.k8s.io/v1" : "v1",
  };
}

interface Paced {
  lines: Buffer[];
  /** Offset of the timestamp placeholder in each line. */
  at: number[];
}

function buildPaced(): Paced {
  const lines: Buffer[] = [];
  const at: number[] = [];
  for (let j = 0; j < M; j++) {
    const pod = makePod(j % N, "");
    const md = pod.metadata as Record<string, unknown>;
    const modified = {
      ...pod,
      metadata: {
        ...md,
        resourceVersion: String(BASE_RV + j + 1),
        annotations: { ...(md.annotations as object), "bench/seq": String(j), "bench/sent": STAMP },
      },
    };
    const b = Buffer.from(`{"type":"MODIFIED","object":${JSON.stringify(modified)}}\n`);
    lines.push(b);
    at.push(b.indexOf(STAMP));
  }
  return { lines, at };
}

const t0 = performance.now();
const paced = RATE > 0 ? buildPaced() : undefined;
const full = buildVariant(false);
let metaVariant: Variant | undefined;
const variant = (meta: boolean): Variant => {
  if (!meta) return full;
  metaVariant ??= buildVariant(true);
  return metaVariant;
};
// Build the metadata variant lazily but before the first client: cheap enough at startup.
variant(true);
const buildMs = performance.now() - t0;

const state = { watchDone: false };
const stats = { lists: 0, pages: 0, watches: 0, watchBytes: 0, listBytes: 0, watchMs: 0 };

function send(res: ServerResponse, code: number, body: unknown): void {
  const b = Buffer.from(JSON.stringify(body));
  res.writeHead(code, { "content-type": "application/json", "content-length": b.length });
  res.end(b);
}

function list(
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  meta: boolean,
  ns: string | undefined,
): void {
  const v = variant(meta);
  if (ns !== undefined) {
    // Namespace-filtered lists are not paged (not used by the bench clients, kept for completeness).
    const idx: number[] = [];
    for (let i = 0; i < N; i++) if (`team-${i % 50}` === ns) idx.push(i);
    const bufs = idx.map((i) => v.items.subarray(v.off[i]!, v.off[i + 1]! - 1));
    const items = bufs.flatMap((b, k) => (k ? [Buffer.from(","), b] : [b]));
    const head = `{"kind":"${v.listKind}","apiVersion":"${v.listApiVersion}","metadata":{"resourceVersion":"${state.watchDone ? LAST_RV : LIST_RV}"},"items":[`;
    const body = Buffer.concat([Buffer.from(head), ...items, Buffer.from("]}")]);
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
    return;
  }
  const limit = Number(url.searchParams.get("limit") ?? 0);
  const cont = url.searchParams.get("continue");
  const start = cont ? Number(cont.slice(2)) : 0;
  if (!cont) stats.lists++;
  stats.pages++;
  const unpaged = RV0_UNPAGED && !cont && url.searchParams.get("resourceVersion") === "0";
  const end = limit > 0 && !unpaged ? Math.min(N, start + limit) : N;
  const rv = state.watchDone ? LAST_RV : LIST_RV;
  const more = end < N ? `,"continue":"o:${end}","remainingItemCount":${N - end}` : "";
  const head = Buffer.from(
    `{"kind":"${v.listKind}","apiVersion":"${v.listApiVersion}","metadata":{"resourceVersion":"${rv}"${more}},"items":[`,
  );
  const items = end > start ? v.items.subarray(v.off[start]!, v.off[end]! - 1) : Buffer.alloc(0);
  const tail = Buffer.from("]}");
  const len = head.length + items.length + tail.length;
  stats.listBytes += len;
  res.writeHead(200, { "content-type": "application/json", "content-length": len });
  res.write(head);
  res.write(items);
  res.end(tail);
}

async function watch(
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  meta: boolean,
): Promise<void> {
  stats.watches++;
  const rv = url.searchParams.get("resourceVersion") ?? "";
  res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
  res.flushHeaders();
  const fromStart = rv === LIST_RV || rv === "" || rv === "0";
  if (M === 0 || !fromStart || (state.watchDone && rv !== LIST_RV)) {
    // Nothing newer than rv: keep the watch open without events until the client leaves.
    const timeout = Number(url.searchParams.get("timeoutSeconds") ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    res.on("close", () => clearTimeout(timer));
    return;
  }
  if (paced) return pacedWatch(res);
  const v = variant(meta);
  const t = performance.now();
  let closed = false;
  res.on("close", () => {
    closed = true;
  });
  // (drain/close listeners are registered once below, not per write)
  let wake: (() => void) | undefined;
  const resume = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  res.on("drain", resume);
  res.on("close", resume);
  for (const chunk of v.watch) {
    if (closed) return;
    stats.watchBytes += chunk.length;
    if (!res.write(chunk) && !closed) {
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  }
  stats.watchMs += performance.now() - t;
  state.watchDone = true;
  res.end();
}

function pacedWatch(res: ServerResponse): void {
  const p = paced!;
  const start = performance.now();
  let sent = 0;
  let closed = false;
  res.on("close", () => {
    closed = true;
  });
  const tick = (): void => {
    if (closed) return;
    const due = Math.min(M, Math.floor(((performance.now() - start) * RATE) / 1000));
    if (due > sent) {
      const now = (Number(process.hrtime.bigint()) / 1e6).toFixed(3).padStart(STAMP.length, "0");
      const batch: Buffer[] = [];
      for (; sent < due; sent++) {
        p.lines[sent]!.write(now, p.at[sent]!, "latin1");
        batch.push(p.lines[sent]!);
      }
      res.write(Buffer.concat(batch));
    }
    if (sent >= M) {
      state.watchDone = true;
      res.end();
      return;
    }
    setTimeout(tick, 1);
  };
  tick();
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://bench");
  const p = url.pathname;
  const meta = (req.headers.accept ?? "").includes("as=PartialObjectMetadata");
  if (p === "/api/v1/pods" || /^\/api\/v1\/namespaces\/[^/]+\/pods$/.test(p)) {
    const ns = p.startsWith("/api/v1/namespaces/") ? p.split("/")[4] : undefined;
    const w = url.searchParams.get("watch");
    if (w === "true" || w === "1") {
      void watch(req, res, url, meta);
    } else {
      list(req, res, url, meta, ns);
    }
    return;
  }
  if (p === "/bench/reset") {
    state.watchDone = false;
    for (const k of Object.keys(stats)) (stats as Record<string, number>)[k] = 0;
    send(res, 200, { ok: true });
    return;
  }
  if (p === "/bench/stats") return send(res, 200, { ...stats, buildMs });
  if (p === "/version")
    return send(res, 200, { major: "1", minor: "34", gitVersion: "v1.34.0-bench" });
  if (p === "/api") return send(res, 200, { kind: "APIVersions", versions: ["v1"] });
  if (p === "/apis") return send(res, 200, { kind: "APIGroupList", apiVersion: "v1", groups: [] });
  if (p === "/api/v1")
    return send(res, 200, {
      kind: "APIResourceList",
      groupVersion: "v1",
      resources: [
        {
          name: "pods",
          singularName: "pod",
          namespaced: true,
          kind: "Pod",
          verbs: ["get", "list", "watch"],
        },
      ],
    });
  send(res, 404, {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    reason: "NotFound",
    code: 404,
    message: `${p} not found`,
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const podBytes = full.off[N]! / Math.max(1, N);
  const metaBytes = variant(true).off[N]! / Math.max(1, N);
  process.stdout.write(
    `${JSON.stringify({ port, buildMs: Math.round(buildMs), podBytes: Math.round(podBytes), metaBytes: Math.round(metaBytes), watchBytes: full.watch.reduce((a, b) => a + b.length, 0) })}\n`,
  );
});
process.on("SIGTERM", () => process.exit(0));
process.on("disconnect", () => process.exit(0));

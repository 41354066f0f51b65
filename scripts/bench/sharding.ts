/**
 * Sharding at scale: N members × K keys, each member in its own process
 * (scripts/bench/shard-member.ts), against the fake API server over HTTP (in
 * this process, behind a counting handler). For each startup it reports:
 *
 * - settle time (from spawning the members, and from the start of the last
 *   member's code): until every member sees all N,
 *   none holds back, and every key has been reconciled by its owner;
 * - keys per member at settle (min/max against the ideal K/N);
 * - keys never reconciled by their owner;
 * - double ownership: replayed exactly from every view each member made
 *   (`onView`) with the clock rules of shardOwns: keys owned by two members
 *   at the same instant, and reconciles of a key another member owned then;
 * - duplicates: after settling, every object changes once; versions
 *   reconciled by more than one member, or by none;
 * - failover: one member is killed (SIGKILL: no lease release); time until
 *   the survivors have reconciled all its keys;
 * - API requests/s and bytes/s (HTTP headers + bodies as the server sees
 *   them), lease and other traffic apart, in an idle window.
 *
 * Usage: node --expose-gc --import tsx scripts/bench/sharding.ts
 *   [--members 10] [--keys 20000] [--startups 1] [--owned] [--idle-ms 20000]
 *   [--no-failover] [--timeout-ms 240000] [--json out.json]
 * Every member process is killed at the end, also on failure or Ctrl-C.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { rendezvousOwner } from "../../src/election/mod.ts";
import { Leases } from "../../src/resources/coordination.ts";
import { ConfigMaps } from "../../src/resources/core.ts";
import { serve } from "../../src/runtime/serve.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const flag = (name: string): boolean => args.includes(`--${name}`);
const N = Number(opt("members", "10"));
const K = Number(opt("keys", "20000"));
const STARTUPS = Number(opt("startups", "1"));
const OWNED = flag("owned");
const IDLE_MS = Number(opt("idle-ms", "20000"));
const FAILOVER = !flag("no-failover");
const TIMEOUT_MS = Number(opt("timeout-ms", "240000"));
const NODE = opt("node", process.execPath);
const NS = "bench";
const LEASE_NS = "bench-leases";

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- children: always killed ----
const children = new Set<ChildProcess>();
function killAll(): void {
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
}
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

// ---- the server, behind a counting handler ----
interface Counter {
  requests: number;
  bytes: number;
}
const counters = { lease: { requests: 0, bytes: 0 }, other: { requests: 0, bytes: 0 } };
const headerBytes = (h: Headers): number => {
  let n = 0;
  h.forEach((v, k) => {
    n += k.length + v.length + 4;
  });
  return n;
};
const server = new FakeApiServer({ validate: false, historyLimit: Math.max(1000, 3 * K) });
const handle = await serve(
  async (req) => {
    const url = new URL(req.url);
    const c: Counter = url.pathname.includes("/leases") ? counters.lease : counters.other;
    c.requests++;
    const body = req.method === "GET" || req.method === "HEAD" ? null : await req.arrayBuffer();
    c.bytes +=
      req.method.length + url.pathname.length + url.search.length + 12 + headerBytes(req.headers);
    c.bytes += body?.byteLength ?? 0;
    const res = await server.fetch(
      new Request(req.url, { method: req.method, headers: req.headers, body, signal: req.signal }),
    );
    c.bytes += 17 + headerBytes(res.headers);
    if (!res.body) return res;
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          c.bytes += chunk.byteLength;
          ctl.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  },
  { port: 0, hostname: "127.0.0.1" },
);
const url = handle.url;
const payload = "x".repeat(200);
const t0Load = Date.now();
for (let i = 0; i < K; i++) {
  server.create(ConfigMaps, {
    metadata: { name: `cm-${i}`, namespace: NS, labels: { app: "bench", shard: String(i % 16) } },
    data: { value: payload, index: String(i) },
  });
}
log(`fake API server at ${url}: ${K} ConfigMaps in ${Date.now() - t0Load} ms`);

// ---- one member process ----
interface Status {
  type: string;
  identity: string;
  t: number;
  active: boolean;
  members: number;
  holding: boolean;
  owned: number;
  pending: number;
  cached: number;
  /** Reconciles of versions newer than the last `count-after` threshold. */
  countAfter: number;
}
interface Report extends Status {
  exact: boolean;
  heapMB: number;
  rssMB: number;
  views: number[][];
  lists: string[][];
  reconciles: number[];
}
interface Member {
  id: string;
  child: ChildProcess;
  /** When its code started running (after the runtime booted and loaded the modules). */
  startedAt: number | undefined;
  status: Status | undefined;
  report: Promise<Report>;
  exited: boolean;
}

function startMember(id: string, group: string): Member {
  const child = spawn(
    NODE,
    [
      "--expose-gc",
      "--max-old-space-size=2048",
      "--import",
      "tsx",
      "scripts/bench/shard-member.ts",
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        SHARD_MEMBER: JSON.stringify({
          url,
          identity: id,
          group,
          namespace: NS,
          leaseNamespace: LEASE_NS,
          keys: K,
          owned: OWNED,
          workers: 4,
        }),
      },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  children.add(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  const m: Member = {
    id,
    child,
    startedAt: undefined,
    status: undefined,
    report: undefined as never,
    exited: false,
  };
  m.report = new Promise<Report>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      let msg: Status;
      try {
        msg = JSON.parse(line) as Status;
      } catch (err) {
        reject(
          new Error(`member ${id} wrote a broken line (${line.length} chars): ${String(err)}`),
        );
        return;
      }
      if (msg.type === "started") m.startedAt = msg.t;
      else if (msg.type === "status") m.status = msg;
      else if (msg.type === "report") resolve(msg as Report);
    });
    child.on("exit", (code, signal) => {
      m.exited = true;
      children.delete(child);
      reject(
        new Error(
          `member ${id} exited (${code ?? signal}) before reporting: ${stderr.slice(-600)}`,
        ),
      );
    });
  });
  m.report.catch(() => {});
  return m;
}

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(100);
  }
  return Date.now();
}

/** Every member is active, sees `n` members and holds nothing back. */
const joinedAll = (ms: Member[], n: number): boolean =>
  ms.every(
    (m) =>
      m.status?.active === true &&
      m.status.members === n &&
      !m.status.holding &&
      Date.now() - m.status.t < 1000,
  );
/** ... and every key is owned by a member that has reconciled it since it got it. */
const settledAll = (ms: Member[], n: number): boolean =>
  joinedAll(ms, n) &&
  ms.every((m) => m.status!.pending === 0) &&
  ms.reduce((s, m) => s + (m.status?.owned ?? 0), 0) === K;
/** Keys without an owner, or owned and not reconciled since (as the members say). */
const unsettledKeys = (ms: Member[]): number =>
  K -
  ms.reduce((s, m) => s + (m.status?.owned ?? 0), 0) +
  ms.reduce((s, m) => s + (m.status?.pending ?? 0), 0);

// ---- replaying ownership from the views ----
interface Interval {
  from: number;
  to: number;
  member: number;
}
function ownershipIntervals(reports: (Report & { end: number })[]): {
  perKey: Interval[][];
} {
  const ownerCache = new Map<string, Int32Array>();
  const ownersFor = (list: string[], memberIndex: Map<string, number>): Int32Array => {
    const k = list.join(",");
    let owners = ownerCache.get(k);
    if (!owners) {
      owners = new Int32Array(K).fill(-1);
      for (let i = 0; i < K; i++) {
        const o = rendezvousOwner(`${NS}/cm-${i}`, list);
        owners[i] = o === undefined ? -1 : (memberIndex.get(o) ?? -1);
      }
      ownerCache.set(k, owners);
    }
    return owners;
  };
  const memberIndex = new Map(reports.map((r, i) => [r.identity, i]));
  const perKey: Interval[][] = Array.from({ length: K }, () => []);
  reports.forEach((r, mi) => {
    const views = r.views;
    for (let j = 0; j < views.length; j++) {
      const [at, validUntil, holdUntil, holding, listId] = views[j] as [
        number,
        number,
        number,
        number,
        number,
      ];
      const next = j + 1 < views.length ? views[j + 1]![0]! : r.end;
      let from = at;
      const to = Math.min(next, validUntil, r.end);
      if (holding) from = Math.max(from, holdUntil);
      if (!(from < to)) continue;
      const owners = ownersFor(r.lists[listId]!, memberIndex);
      for (let i = 0; i < K; i++) {
        if (owners[i] !== mi) continue;
        const list = perKey[i]!;
        const last = list[list.length - 1];
        if (last && last.member === mi && last.to >= from) last.to = Math.max(last.to, to);
        else list.push({ from, to, member: mi });
      }
    }
  });
  return { perKey };
}

function overlaps(perKey: Interval[][]): { keys: number; maxMs: number } {
  let keys = 0;
  let maxMs = 0;
  for (const list of perKey) {
    if (list.length < 2) continue;
    const sorted = [...list].sort((a, b) => a.from - b.from);
    let found = false;
    for (let a = 0; a < sorted.length; a++) {
      for (let b = a + 1; b < sorted.length && sorted[b]!.from < sorted[a]!.to; b++) {
        if (sorted[b]!.member === sorted[a]!.member) continue;
        found = true;
        maxMs = Math.max(maxMs, Math.min(sorted[a]!.to, sorted[b]!.to) - sorted[b]!.from);
      }
    }
    if (found) keys++;
  }
  return { keys, maxMs };
}

// ---- one startup ----
interface StartupResult {
  startup: number;
  ok: boolean;
  error?: string | undefined;
  settleMs: number;
  /** From the start of the last member's code (process boot and module loading excluded). */
  settleFromLastStartMs: number;
  /** Keys the members themselves reported unowned or unreconciled, when the startup never settled. */
  unsettledKeys?: number | undefined;
  keysMin: number;
  keysMax: number;
  ideal: number;
  unreconciled: number;
  doubleOwnedKeys: number;
  doubleOwnedMaxMs: number;
  conflictingReconciles: number;
  updateDuplicates: number;
  updateUnreconciled: number;
  failoverMs: number | undefined;
  failoverDetectMs: number | undefined;
  idle?: {
    leaseReqPerSec: number;
    leaseBytesPerSec: number;
    otherReqPerSec: number;
    otherBytesPerSec: number;
  };
  startupTraffic: {
    leaseReqPerSec: number;
    leaseBytesPerSec: number;
    otherReqPerSec: number;
    otherBytesPerSec: number;
  };
  memory: { heapMB: number; rssMB: number; cached: number }[];
  exact: boolean;
}

const snap = (): { t: number; lease: Counter; other: Counter } => ({
  t: Date.now(),
  lease: { ...counters.lease },
  other: { ...counters.other },
});
const rates = (a: ReturnType<typeof snap>, b: ReturnType<typeof snap>) => {
  const s = (b.t - a.t) / 1000;
  return {
    leaseReqPerSec: (b.lease.requests - a.lease.requests) / s,
    leaseBytesPerSec: (b.lease.bytes - a.lease.bytes) / s,
    otherReqPerSec: (b.other.requests - a.other.requests) / s,
    otherBytesPerSec: (b.other.bytes - a.other.bytes) / s,
  };
};

async function startup(n: number): Promise<StartupResult> {
  const group = `bench-${n}-${Date.now().toString(36)}`;
  const ids = Array.from({ length: N }, (_, i) => `m${i}`);
  const before = snap();
  const t0 = Date.now();
  const members = ids.map((id) => startMember(id, group));
  const result: StartupResult = {
    startup: n,
    ok: false,
    settleMs: Number.NaN,
    settleFromLastStartMs: Number.NaN,
    keysMin: 0,
    keysMax: 0,
    ideal: K / N,
    unreconciled: Number.NaN,
    doubleOwnedKeys: Number.NaN,
    doubleOwnedMaxMs: 0,
    conflictingReconciles: Number.NaN,
    updateDuplicates: Number.NaN,
    updateUnreconciled: Number.NaN,
    failoverMs: undefined,
    failoverDetectMs: undefined,
    startupTraffic: rates(before, snap()),
    memory: [],
    exact: true,
  };
  try {
    const joinedAt = await waitUntil(() => joinedAll(members, N), TIMEOUT_MS, "members join");
    let settledAt: number;
    try {
      settledAt = await waitUntil(() => settledAll(members, N), 60_000, "keys reconciled");
      result.settleMs = settledAt - t0;
      result.settleFromLastStartMs = settledAt - Math.max(...members.map((m) => m.startedAt ?? t0));
    } catch {
      // Not every key was reconciled by its owner a minute after the membership settled.
      settledAt = Date.now();
      result.unsettledKeys = unsettledKeys(members);
      log(
        `  membership settled in ${joinedAt - t0} ms, but ${result.unsettledKeys} keys are still unreconciled a minute later`,
      );
    }
    result.startupTraffic = rates(before, snap());
    const owned = members.map((m) => m.status!.owned);
    result.keysMin = Math.min(...owned);
    result.keysMax = Math.max(...owned);
    log(
      `  settled in ${result.settleMs} ms (${result.settleFromLastStartMs} ms after the last member started); keys per member ${result.keysMin}..${result.keysMax} (ideal ${K / N})`,
    );

    if (n === 1 && IDLE_MS > 0) {
      const a = snap();
      await sleep(IDLE_MS);
      result.idle = rates(a, snap());
      log(
        `  idle ${IDLE_MS / 1000} s: leases ${result.idle.leaseReqPerSec.toFixed(2)} req/s ${(result.idle.leaseBytesPerSec / 1024).toFixed(1)} KiB/s; other ${result.idle.otherReqPerSec.toFixed(2)} req/s`,
      );
    }

    // Every object changes once; each version must be reconciled by exactly one member.
    const newRv = new Int32Array(K);
    const tUpdate = Date.now();
    for (let i = 0; i < K; i++) {
      const cm = server.get(ConfigMaps, `cm-${i}`, NS)!;
      const updated = server.update(ConfigMaps, { ...cm, data: { ...cm.data, round: String(n) } });
      newRv[i] = Number(updated.metadata.resourceVersion);
    }
    let minRv = Number.POSITIVE_INFINITY;
    for (const rv of newRv) minRv = Math.min(minRv, rv);
    for (const m of members) m.child.stdin!.write(`count-after ${minRv - 1}\n`);
    // Every version reconciled once (more would be duplicates), and quiet for 2 s.
    let last = -1;
    let stableSince = Date.now();
    await waitUntil(
      () => {
        const total = members.reduce((s, m) => s + (m.status?.countAfter ?? 0), 0);
        if (total !== last) {
          last = total;
          stableSince = Date.now();
        }
        return total >= K && Date.now() - stableSince >= 2000;
      },
      120_000,
      "members reconcile the updates",
    ).catch(() => log(`  not every update reconciled within 2 minutes (${last} of ${K})`));
    await waitUntil(
      () => joinedAll(members, N) && (result.unsettledKeys !== undefined || settledAll(members, N)),
      60_000,
      "members settled after the updates",
    );

    // Failover: the first member dies without releasing its lease.
    let killedAt: number | undefined;
    let killedReport: Report | undefined;
    const victim = members[0]!;
    if (FAILOVER) {
      victim.child.stdin!.write("report\n");
      killedReport = await victim.report;
      killedAt = Date.now();
      victim.child.kill("SIGKILL");
      const survivors = members.slice(1);
      const detected = await waitUntil(
        () =>
          result.unsettledKeys !== undefined
            ? joinedAll(survivors, N - 1)
            : settledAll(survivors, N - 1),
        TIMEOUT_MS,
        "failover",
      );
      result.failoverDetectMs = detected - killedAt;
    }

    // Reports: every view and reconcile.
    const alive = members.filter((m) => m !== victim || !FAILOVER);
    for (const m of alive) m.child.stdin!.write("report\n");
    const reports: (Report & { end: number })[] = [];
    const endAt = Date.now();
    for (const m of members) {
      if (m === victim && FAILOVER) reports.push({ ...killedReport!, end: killedAt! });
      else reports.push({ ...(await m.report), end: endAt });
    }
    result.exact = reports.every((r) => r.exact);
    result.memory = reports.map((r) => ({ heapMB: r.heapMB, rssMB: r.rssMB, cached: r.cached }));

    const { perKey } = ownershipIntervals(reports);
    const o = overlaps(perKey);
    result.doubleOwnedKeys = o.keys;
    result.doubleOwnedMaxMs = o.maxMs;
    // Reconciles of a key at an instant another member owned it.
    let conflicts = 0;
    reports.forEach((r, mi) => {
      const rec = r.reconciles;
      for (let j = 0; j < rec.length; j += 3) {
        const key = rec[j]!;
        const at = rec[j + 1]!;
        if (perKey[key]!.some((iv) => iv.member !== mi && iv.from <= at && at < iv.to)) conflicts++;
      }
    });
    result.conflictingReconciles = conflicts;
    // Keys never reconciled by the owner they had at settle (before any update).
    const settleOwner = (i: number): number => {
      const iv = perKey[i]!.find((x) => x.from <= settledAt && settledAt < x.to);
      return iv ? iv.member : -1;
    };
    let unreconciled = 0;
    let dup = 0;
    let updMissing = 0;
    const byKey: { member: number; at: number; rv: number }[][] = Array.from(
      { length: K },
      () => [],
    );
    reports.forEach((r, mi) => {
      const rec = r.reconciles;
      for (let j = 0; j < rec.length; j += 3)
        byKey[rec[j]!]!.push({ member: mi, at: rec[j + 1]!, rv: rec[j + 2]! });
    });
    for (let i = 0; i < K; i++) {
      const owner = settleOwner(i);
      if (owner < 0 || !byKey[i]!.some((x) => x.member === owner && x.at <= settledAt))
        unreconciled++;
      const upd = new Set(
        byKey[i]!.filter(
          (x) =>
            x.rv === newRv[i] && x.at >= tUpdate && (killedAt === undefined || x.at < killedAt),
        ).map((x) => x.member),
      );
      if (upd.size > 1) dup++;
      if (upd.size === 0) updMissing++;
    }
    result.unreconciled = unreconciled;
    result.updateDuplicates = dup;
    result.updateUnreconciled = updMissing;
    if (FAILOVER && killedAt !== undefined) {
      // Keys the victim owned when it died: when did a survivor reconcile each after the kill?
      let last = killedAt;
      let missing = 0;
      for (let i = 0; i < K; i++) {
        if (!perKey[i]!.some((iv) => iv.member === 0 && iv.from <= killedAt! && killedAt! <= iv.to))
          continue;
        const after = byKey[i]!.filter((x) => x.member !== 0 && x.at >= killedAt!);
        if (after.length === 0) missing++;
        else last = Math.max(last, Math.min(...after.map((x) => x.at)));
      }
      result.failoverMs = missing > 0 ? Number.NaN : last - killedAt;
    }
    result.ok =
      result.unsettledKeys === undefined &&
      result.unreconciled === 0 &&
      result.doubleOwnedKeys === 0 &&
      result.conflictingReconciles === 0 &&
      result.updateDuplicates === 0 &&
      result.updateUnreconciled === 0 &&
      (!FAILOVER || Number.isFinite(result.failoverMs ?? Number.NaN));
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  } finally {
    for (const m of members) {
      if (!m.exited) m.child.kill("SIGKILL");
    }
    await sleep(200);
    for (const l of server.list(Leases, { namespace: LEASE_NS })) {
      try {
        server.delete(Leases, l.metadata.name!, LEASE_NS);
      } catch {
        // already gone
      }
    }
  }
  return result;
}

const results: StartupResult[] = [];
const startedAt = Date.now();
try {
  for (let n = 1; n <= STARTUPS; n++) {
    log(
      `startup ${n}/${STARTUPS}: ${N} members × ${K} keys${OWNED ? " (owned-only informers)" : ""}`,
    );
    const r = await startup(n);
    results.push(r);
    log(
      `  ${r.ok ? "ok" : "FAILED"}${r.error ? ` (${r.error})` : ""}: settle ${r.settleMs} ms, unreconciled ${r.unreconciled}${r.unsettledKeys !== undefined ? ` (members report ${r.unsettledKeys} unsettled)` : ""}, double-owned keys ${r.doubleOwnedKeys}${r.doubleOwnedKeys ? ` (max ${r.doubleOwnedMaxMs} ms)` : ""}, conflicting reconciles ${r.conflictingReconciles}, update duplicates ${r.updateDuplicates}, update unreconciled ${r.updateUnreconciled}, failover ${r.failoverMs ?? "-"} ms (detected ${r.failoverDetectMs ?? "-"} ms)`,
    );
  }
} finally {
  killAll();
  await handle.close();
  await server.close();
}

const fin = results.filter((r) => Number.isFinite(r.settleMs));
const med = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Number.NaN;
};
const idle = results.find((r) => r.idle)?.idle;
const mem = results[0]?.memory ?? [];
const summary = {
  members: N,
  keys: K,
  owned: OWNED,
  startups: results.length,
  passed: results.filter((r) => r.ok).length,
  settleMsMedian: med(fin.map((r) => r.settleMs)),
  settleMsMax: Math.max(...fin.map((r) => r.settleMs)),
  settleFromLastStartMsMedian: med(fin.map((r) => r.settleFromLastStartMs)),
  settleFromLastStartMsMax: Math.max(...fin.map((r) => r.settleFromLastStartMs)),
  keysPerMemberMin: Math.min(...fin.map((r) => r.keysMin)),
  keysPerMemberMax: Math.max(...fin.map((r) => r.keysMax)),
  ideal: K / N,
  unreconciledMax: Math.max(...results.map((r) => Math.max(r.unreconciled, r.unsettledKeys ?? 0))),
  neverSettled: results.filter((r) => !Number.isFinite(r.settleMs)).length,
  doubleOwnedKeysMax: Math.max(...results.map((r) => r.doubleOwnedKeys)),
  conflictingReconcilesMax: Math.max(...results.map((r) => r.conflictingReconciles)),
  updateDuplicatesMax: Math.max(...results.map((r) => r.updateDuplicates)),
  updateUnreconciledMax: Math.max(...results.map((r) => r.updateUnreconciled)),
  failoverMsMedian: med(results.map((r) => r.failoverMs ?? Number.NaN).filter(Number.isFinite)),
  failoverMsMax: Math.max(
    ...results.map((r) => r.failoverMs ?? Number.NaN).filter(Number.isFinite),
  ),
  idle,
  startupTrafficMedian: {
    leaseReqPerSec: med(fin.map((r) => r.startupTraffic.leaseReqPerSec)),
    otherReqPerSec: med(fin.map((r) => r.startupTraffic.otherReqPerSec)),
  },
  memoryPerMember: {
    heapMBMedian: med(mem.map((m) => m.heapMB)),
    rssMBMedian: med(mem.map((m) => m.rssMB)),
    cachedMedian: med(mem.map((m) => m.cached)),
  },
  exactViews: results.every((r) => r.exact),
  totalSec: Math.round((Date.now() - startedAt) / 1000),
  machine: { nproc: cpus().length, load: loadavg()[0]!.toFixed(1), node: process.version },
};
const f = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : "-");
console.log(
  [
    `### Sharding: ${N} members × ${K} keys, ${results.length} startups${OWNED ? ", owned-only informers" : ""}`,
    "",
    "| metric | value |",
    "| --- | --- |",
    `| startups with 0 unreconciled, 0 double ownership, 0 duplicates | ${summary.passed} / ${summary.startups} |`,
    `| settle time from spawning the members (median / max) | ${f(summary.settleMsMedian / 1000, 1)} s / ${f(summary.settleMsMax / 1000, 1)} s${summary.neverSettled ? ` (${summary.neverSettled} startups never settled)` : ""} |`,
    `| settle time from the last member's start (median / max) | ${f(summary.settleFromLastStartMsMedian / 1000, 1)} s / ${f(summary.settleFromLastStartMsMax / 1000, 1)} s |`,
    `| keys per member (min / max, ideal) | ${summary.keysPerMemberMin} / ${summary.keysPerMemberMax} (${f(summary.ideal)}) |`,
    `| keys never reconciled by their owner (worst startup) | ${f(summary.unreconciledMax)} |`,
    `| keys owned by two members at once (worst startup) | ${f(summary.doubleOwnedKeysMax)} |`,
    `| reconciles while another member owned the key (worst) | ${f(summary.conflictingReconcilesMax)} |`,
    `| one update per key: reconciled twice / never (worst) | ${f(summary.updateDuplicatesMax)} / ${f(summary.updateUnreconciledMax)} |`,
    `| failover after SIGKILL (median / max) | ${FAILOVER ? `${f(summary.failoverMsMedian / 1000, 1)} s / ${f(summary.failoverMsMax / 1000, 1)} s` : "-"} |`,
    idle
      ? `| idle lease traffic, all ${N} members | ${f(idle.leaseReqPerSec, 2)} req/s, ${f(idle.leaseBytesPerSec / 1024, 1)} KiB/s (${f(idle.leaseReqPerSec / N, 3)} req/s, ${f(idle.leaseBytesPerSec / N / 1024, 2)} KiB/s per member) |`
      : "| idle lease traffic | - |",
    idle
      ? `| idle other traffic | ${f(idle.otherReqPerSec, 2)} req/s, ${f(idle.otherBytesPerSec / 1024, 1)} KiB/s |`
      : "| idle other traffic | - |",
    `| API requests/s during startup (median; leases / other) | ${f(summary.startupTrafficMedian.leaseReqPerSec, 1)} / ${f(summary.startupTrafficMedian.otherReqPerSec, 1)} |`,
    `| memory per member after GC (median heap / RSS, cached objects) | ${f(summary.memoryPerMember.heapMBMedian, 1)} MB / ${f(summary.memoryPerMember.rssMBMedian)} MB, ${f(summary.memoryPerMember.cachedMedian)} |`,
    "",
    `${summary.totalSec} s in all; ${summary.machine.nproc} cores, load ${summary.machine.load} at the end, ${summary.machine.node}${summary.exactViews ? "" : "; views approximated from status() (no onView)"}.`,
  ].join("\n"),
);
const jsonOut = opt("json", "");
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ summary, results }, null, 2));
process.exit(results.every((r) => r.ok) ? 0 : 1);

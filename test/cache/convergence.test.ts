// Property: whatever the interleaving of writes and faults, once the faults stop the
// informer's cache equals the server's state, and the last event each handler saw for
// each key matches the server (an add/update with the server's object, or a delete).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createInformer } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { cm, Recorder, tick } from "./support.ts";

const NAMES = ["a", "b", "c", "d", "e", "f"];
const NAMESPACES = ["n1", "n2"];

type Action =
  | { op: "create" | "update" | "delete"; name: string; ns: string; value: number }
  | { op: "fault"; fault: number }
  | { op: "yield"; turns: number }
  | { op: "advance"; ms: number };

const FAULTS = 12;

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constantFrom("create" as const, "update" as const, "delete" as const),
      name: fc.constantFrom(...NAMES),
      ns: fc.constantFrom(...NAMESPACES),
      value: fc.nat(1000),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("fault" as const), fault: fc.nat(FAULTS - 1) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("yield" as const),
      turns: fc.integer({ min: 1, max: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("advance" as const),
      ms: fc.constantFrom(500, 1000, 5000, 30_000),
    }),
  },
);

function injectFault(server: FakeApiServer, fault: number): void {
  const f = server.faults;
  switch (fault) {
    case 0:
      f.closeWatches();
      return;
    case 1:
      f.cutWatches();
      return;
    case 2:
      f.cutWatches({ reset: true });
      return;
    case 3:
      f.stallWatches();
      return;
    case 4:
      f.resumeWatches();
      return;
    case 5:
      f.compact();
      return;
    case 6:
      f.failNext({ watch: true, status: 410 });
      return;
    case 7:
      f.failNext({ verb: "list", status: 500, times: 2 });
      return;
    case 8:
      f.failNext({ watch: true, status: 429, retryAfterSeconds: 1, plainText: true });
      return;
    case 9:
      f.failNext({ watch: true, status: 410, asWatchEvent: false });
      return;
    case 10:
      server.bookmark();
      return;
    default:
      f.compact();
      f.closeWatches();
      return;
  }
}

function applyWrite(server: FakeApiServer, a: Extract<Action, { name: string }>): void {
  const exists = server.get(ConfigMaps, a.name, a.ns) !== undefined;
  if (a.op === "delete") {
    if (exists) server.delete(ConfigMaps, a.name, a.ns);
    return;
  }
  const obj = cm(a.name, a.ns, { v: String(a.value) });
  if (exists) server.update(ConfigMaps, obj);
  else server.create(ConfigMaps, obj);
}

function converged(
  server: FakeApiServer,
  store: { keys(): string[]; get(k: string): ConfigMap | undefined },
  rec: Recorder<ConfigMap>,
  everSeen: Set<string>,
): string | undefined {
  const truth = new Map(
    server.list(ConfigMaps).map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]),
  );
  const keys = store.keys();
  if (keys.length !== truth.size) return `size ${keys.length} != ${truth.size}`;
  for (const [key, obj] of truth) {
    const cached = store.get(key);
    if (!cached) return `missing ${key}`;
    if (cached.metadata.resourceVersion !== obj.metadata.resourceVersion) return `stale ${key}`;
    if (cached.data?.v !== obj.data?.v) return `data ${key}`;
    const last = rec.last.get(key);
    if (!last || last.type === "delete") return `handler last event for ${key} is ${last?.type}`;
    if (last.obj.metadata.resourceVersion !== obj.metadata.resourceVersion)
      return `handler stale ${key}`;
  }
  for (const key of everSeen) {
    if (truth.has(key)) continue;
    const last = rec.last.get(key);
    if (last && last.type !== "delete") return `handler did not see the delete of ${key}`;
  }
  return undefined;
}

interface Scenario {
  actions: Action[];
  initial: number;
  pageSize: number;
  streamingList: boolean;
  streamingLists: "supported" | "rejected" | "ignored";
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  actions: fc.array(action, { minLength: 1, maxLength: 40 }),
  initial: fc.nat(8),
  pageSize: fc.constantFrom(1, 3, 500),
  streamingList: fc.boolean(),
  streamingLists: fc.constantFrom("supported" as const, "rejected" as const, "ignored" as const),
});

async function runScenario(
  sc: Scenario,
  http: boolean,
  totals: Record<string, number>,
): Promise<void> {
  const server = new FakeApiServer({
    clock: new FakeClock(),
    historyLimit: 20,
    streamingLists: sc.streamingLists,
  });
  const listener = http ? await server.listen() : undefined;
  const client = new KubeClient(
    listener ? { server: listener.url } : { server: "http://fake", fetch: server.fetch },
  );
  const clock = new FakeClock();
  for (let i = 0; i < sc.initial; i++) {
    server.create(
      ConfigMaps,
      cm(NAMES[i % NAMES.length]!, NAMESPACES[Math.floor(i / NAMES.length) % 2]!, { v: "init" }),
    );
  }
  const informer = createInformer(client, ConfigMaps, {
    clock,
    random: () => 0,
    logger: silentLogger, // faults on purpose: their warnings are not the point here
    pageSize: sc.pageSize,
    idleTimeoutMs: 10_000,
    streamingList: sc.streamingList,
    streamingListTimeoutMs: 10_000,
  });
  const rec = new Recorder<ConfigMap>();
  const everSeen = new Set<string>();
  informer.addEventHandler(rec.handler);
  informer.addEventHandler({
    onAdd: (o) => everSeen.add(`${o.metadata.namespace}/${o.metadata.name}`),
  });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  try {
    for (const a of sc.actions) {
      if (a.op === "fault") injectFault(server, a.fault);
      else if (a.op === "yield") for (let i = 0; i < a.turns; i++) await tick(http ? 1 : 0);
      else if (a.op === "advance") await clock.advance(a.ms);
      else applyWrite(server, a);
    }
    // faults stop
    server.faults.reset();
    let why: string | undefined = "not checked";
    for (let round = 0; round < 60 && why; round++) {
      for (let i = 0; i < (http ? 40 : 5) && why; i++) {
        await tick(http ? 1 : 0);
        why = informer.hasSynced()
          ? converged(server, informer.store, rec, everSeen)
          : "not synced";
      }
      if (why) await clock.advance(31_000);
    }
    assert.equal(
      why,
      undefined,
      `not converged: ${why}; stats ${JSON.stringify(informer.stats())}`,
    );
    assert.ok(informer.hasSynced());
    for (const [k, v] of Object.entries(informer.stats())) totals[k] = (totals[k] ?? 0) + v;
  } finally {
    ac.abort();
    await done;
    await listener?.close();
    await server.close();
  }
  assert.equal(clock.pendingTimers, 0, "timers left after abort");
}

describe("informer convergence (property)", () => {
  it("converges to the server's state after random writes and faults (in-process, 200 runs)", async () => {
    const totals: Record<string, number> = {};
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        runs++;
        await runScenario(sc, false, totals);
      }),
      { numRuns: 200 },
    );
    assert.ok(runs >= 200);
    // the faults really happened
    for (const k of [
      "relists",
      "reconnects",
      "stalls",
      "gone",
      "backoffs",
      "streamingFallbacks",
      "bookmarks",
    ]) {
      assert.ok((totals[k] ?? 0) > 0, `no ${k} in any run: ${JSON.stringify(totals)}`);
    }
  });

  it("converges over HTTP too (20 runs)", async () => {
    const totals: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(scenario, (sc) => runScenario(sc, true, totals)),
      { numRuns: 20 },
    );
    assert.ok((totals.lists ?? 0) >= 20);
  });
});

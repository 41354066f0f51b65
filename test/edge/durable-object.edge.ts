// examples/worker as a Durable Object controller in workerd (Miniflare, with
// Durable Object storage and alarms), against the fake API server over HTTP:
// alarms resume from the checkpoint without a list (list requests counted on the
// server) and reconcile exactly the keys that changed; a compacted server leads
// to one relist with the deletions delivered; a checkpoint bigger than a storage
// value is split and read back. Node only (Miniflare); needs `npm run build`.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Miniflare } from "miniflare";
import { MIRROR_LABEL, mirrorName } from "../../examples/shared/mirror.ts";
import type { ControllerStatus, RunStatus } from "../../examples/worker/worker.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";
import { bundleWorker } from "./bundle.ts";

const root = new URL("../..", import.meta.url).pathname;
const TOKEN = "kubeloop-do-test-token";

function source(name: string, v: string, labelled = true): ConfigMap {
  return {
    metadata: {
      name,
      namespace: "default",
      ...(labelled ? { labels: { [MIRROR_LABEL]: "true" } } : {}),
    },
    data: { v },
  };
}

describe("examples/worker: a Durable Object controller in workerd", () => {
  let mf: Miniflare;
  let api: FakeApiServer;
  let listener: Listener;

  const lists = (): number => api.requests.filter((r) => r.verb === "list").length;
  const status = async (): Promise<ControllerStatus> =>
    (await (await mf.dispatchFetch("http://localhost/")).json()) as ControllerStatus;
  /** Wait (polling the status endpoint, bounded) until `runs` alarms have run; returns the last. */
  const waitForRun = async (runs: number): Promise<RunStatus> => {
    for (let i = 0; i < 600; i++) {
      const s = await status();
      if (s.runs >= runs) {
        assert.equal(s.runs, runs, "no alarm ran unasked");
        return s.recent.at(-1)!;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`alarm ${runs} did not run within 30 s`);
  };
  /** The cron trigger: the controller's `wake()` sets an alarm for now. */
  const cron = async (): Promise<void> => {
    // Miniflare's Fetcher has scheduled() (the types it ships leave it out)
    const worker = (await mf.getWorker()) as unknown as {
      scheduled(options: { cron: string }): Promise<unknown>;
    };
    await worker.scheduled({ cron: "*/5 * * * *" });
  };
  const mirrorOf = (name: string): ConfigMap | undefined =>
    api.get<ConfigMap>(ConfigMaps, mirrorName(`default/${name}`), "mirror");

  before(async () => {
    api = new FakeApiServer({ token: TOKEN, requestLogLimit: 100_000 });
    for (const n of ["a", "b", "c"]) api.create(ConfigMaps, source(n, "1"));
    api.create(ConfigMaps, source("plain", "1", false));
    listener = await api.listen();
    mf = new Miniflare({
      modules: true,
      script: await bundleWorker(`${root}examples/worker/worker.ts`),
      compatibilityDate: "2026-04-01",
      durableObjects: { CONTROLLER: "MirrorController" },
      bindings: {
        KUBE_SERVER: listener.url,
        KUBE_TOKEN: TOKEN,
        // alarms run only when the test wakes the controller
        ALARM_INTERVAL_MS: "3600000",
        SETTLE_MS: "200",
        RUN_MAX_MS: "20000",
      },
    });
  });

  after(async () => {
    await mf?.dispose();
    await listener?.close();
    await api?.close();
  });

  it("the first alarm lists, mirrors every labelled ConfigMap and checkpoints", async () => {
    const s = await status(); // the first request wakes the object, which schedules its first alarm
    assert.equal(s.runs, 0);
    const run = await waitForRun(1);
    assert.equal(run.stoppedBy, "idle", JSON.stringify(run));
    assert.equal(run.resumedWithoutList, false);
    assert.deepEqual(run.reconciled, ["default/a", "default/b", "default/c"]);
    assert.deepEqual(run.errors, []);
    assert.equal(run.checkpointObjects, 3);
    assert.ok(run.resourceVersion, "the checkpoint has a resource version");
    assert.equal(lists(), 1);
    for (const n of ["a", "b", "c"]) assert.equal(mirrorOf(n)?.data?.v, "1");
    assert.equal(mirrorOf("plain"), undefined);
    assert.ok(
      api.requests.every((r) => r.status !== 401),
      "every request carried the bound token",
    );
  });

  it("the next alarm resumes without a list and reconciles exactly the keys that changed", async () => {
    const first = (await status()).recent.at(-1);
    api.update(ConfigMaps, source("a", "2"));
    api.delete(ConfigMaps, "b", "default");
    api.create(ConfigMaps, source("d", "1"));
    api.update(ConfigMaps, source("c", "1", false)); // unlabelled: leaves the selection
    api.create(ConfigMaps, source("e", "1", false)); // never in the selection
    const before = lists();
    await cron();
    const run = await waitForRun(2);
    assert.equal(lists(), before, "no list request");
    assert.equal(run.resumedWithoutList, true);
    assert.equal(run.stoppedBy, "idle");
    assert.deepEqual(run.reconciled, ["default/a", "default/b", "default/c", "default/d"]);
    assert.equal(mirrorOf("a")?.data?.v, "2");
    assert.equal(mirrorOf("b"), undefined);
    assert.equal(mirrorOf("c"), undefined);
    assert.equal(mirrorOf("d")?.data?.v, "1");
    assert.equal(mirrorOf("e"), undefined);
    // the alarm's watch resumed from the first alarm's checkpoint
    const watches = api.requests
      .filter((r) => r.verb === "watch")
      .map((r) => new URL(r.url, "http://x").searchParams);
    assert.equal(watches.at(-1)?.get("resourceVersion"), first?.resourceVersion);
  });

  it("an alarm with nothing changed reconciles nothing and lists nothing", async () => {
    const before = lists();
    await cron();
    const run = await waitForRun(3);
    assert.deepEqual(run.reconciled, []);
    assert.equal(run.resumedWithoutList, true);
    assert.equal(lists(), before);
  });

  it("a compacted server makes the next alarm relist once, with the deletions delivered", async () => {
    api.delete(ConfigMaps, "d", "default");
    api.update(ConfigMaps, source("a", "3"));
    api.faults.compact();
    const before = lists();
    await cron();
    const run = await waitForRun(4);
    assert.equal(lists(), before + 1, "one relist");
    assert.equal(run.resumedWithoutList, false);
    assert.deepEqual(run.reconciled, ["default/a", "default/d"]);
    assert.deepEqual(
      run.actions.filter((a) => a.key === "default/d").map((a) => a.action),
      ["delete"],
    );
    assert.equal(mirrorOf("d"), undefined);
    assert.equal(mirrorOf("a")?.data?.v, "3");
  });

  it("a checkpoint larger than a Durable Object storage value is split, stored and resumed from", async () => {
    const filler = "x".repeat(1000);
    for (let i = 0; i < 300; i++) {
      api.create(ConfigMaps, {
        ...source(`big-${String(i).padStart(3, "0")}`, "1"),
        data: { filler },
      });
    }
    await cron();
    const grown = await waitForRun(5);
    assert.equal(grown.resumedWithoutList, true);
    assert.equal(grown.reconciled.length, 300);
    assert.ok(
      // more than two Durable Object storage values (128 KiB each), even at one byte per character
      grown.checkpointChars > 2 * 128 * 1024,
      `checkpoint of ${grown.checkpointChars} chars`,
    );
    api.update(ConfigMaps, { ...source("big-123", "2"), data: { filler, v: "2" } });
    const before = lists();
    await cron();
    const run = await waitForRun(6);
    assert.equal(lists(), before, "resumed from the split checkpoint without a list");
    assert.equal(run.resumedWithoutList, true);
    assert.deepEqual(run.reconciled, ["default/big-123"]);
    assert.equal(run.checkpointObjects, 301, "a and the 300 big ones");
  });

  it("fetch only reports status: other methods are refused, nothing runs", async () => {
    const res = await mf.dispatchFetch("http://localhost/", { method: "POST", body: "run" });
    assert.equal(res.status, 405);
    await res.text();
    const s = await status();
    assert.equal(s.runs, 6);
  });
});

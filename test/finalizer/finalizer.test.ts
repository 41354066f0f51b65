// withFinalizer against the FakeApiServer: the finalizer goes on before the
// first apply, cleanup runs once on deletion, a failing cleanup keeps the
// object and is retried, and the guarded patches never touch anyone else's
// finalizer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createInformer } from "../../src/cache/informer.ts";
import { ApiError } from "../../src/client/errors.ts";
import { Controller } from "../../src/controller/controller.ts";
import { newResource } from "../../src/controller/resource.ts";
import { FinalizerError } from "../../src/finalizer/errors.ts";
import { hasFinalizer, withFinalizer } from "../../src/finalizer/finalizer.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { pump, type Site, Sites, settle, until, world } from "../controller/support.ts";

const NS = "shop";
const F = "test.kubeloop.dev/registry";

function run(w: ReturnType<typeof world>, options: { cleanup?: (s: Site) => Promise<void> } = {}) {
  const calls = { apply: [] as string[], cleanup: [] as string[], deleted: [] as string[] };
  const upsert = withFinalizer<Site>({
    client: w.client,
    type: Sites,
    finalizer: F,
    apply: (s) => {
      calls.apply.push(s.metadata.name!);
      // the finalizer is always in place before apply runs
      assert.ok(hasFinalizer(s, F), "apply before the finalizer was added");
    },
    cleanup: async (s) => {
      calls.cleanup.push(s.metadata.name!);
      await options.cleanup?.(s);
    },
  });
  const logger = new MemoryLogger();
  const controller = new Controller<Site>({
    resource: newResource(createInformer(w.client, Sites, { clock: w.clock }), upsert, (key) => {
      calls.deleted.push(key);
    }),
    clock: w.clock,
    maxRetries: 20,
    logger,
  });
  const stop = new AbortController();
  const done = controller.run(stop.signal);
  return {
    calls,
    logger,
    stop: async () => {
      stop.abort();
      await pump(w.clock, done);
    },
  };
}

describe("withFinalizer in a controller", () => {
  it("adds the finalizer before the first apply; deleting runs cleanup exactly once, then the object is gone", async () => {
    const w = world();
    const r = run(w);
    try {
      w.server.create(Sites, { metadata: { name: "a", namespace: NS } });
      await until(w.clock, () => r.calls.apply.length === 1, "first apply");
      assert.deepEqual(w.server.get(Sites, "a", NS)?.metadata.finalizers, [F]);

      w.server.delete(Sites, "a", NS);
      await until(w.clock, () => w.server.get(Sites, "a", NS) === undefined, "object gone");
      await until(w.clock, () => r.calls.deleted.length === 1, "delete callback");
      await settle(w.clock);
      assert.deepEqual(r.calls.cleanup, ["a"]);
      assert.equal(r.calls.apply.length, 1, "no apply while deleting");
    } finally {
      await r.stop();
      await w.server.close();
    }
  });

  it("a failing cleanup keeps the object and its finalizer, and is retried until it succeeds", async () => {
    const w = world();
    let healthy = false;
    const r = run(w, {
      cleanup: async () => {
        if (!healthy) throw new Error("registry unavailable");
      },
    });
    try {
      w.server.create(Sites, { metadata: { name: "a", namespace: NS } });
      await until(w.clock, () => r.calls.apply.length === 1, "first apply");
      w.server.delete(Sites, "a", NS);
      await until(w.clock, () => r.calls.cleanup.length >= 3, "cleanup retried");
      const kept = w.server.get(Sites, "a", NS);
      assert.ok(kept?.metadata.deletionTimestamp, "still there, terminating");
      assert.deepEqual(kept?.metadata.finalizers, [F]);
      const tries = r.calls.cleanup.length;
      assert.equal(r.logger.find("warn", "upsert failed; will retry").length, tries);
      healthy = true;
      await until(w.clock, () => w.server.get(Sites, "a", NS) === undefined, "gone after retries");
      await settle(w.clock);
      assert.equal(r.calls.cleanup.length, tries + 1, "one successful cleanup after the failures");
    } finally {
      await r.stop();
      await w.server.close();
    }
  });

  it("does not remove someone else's finalizer when the list shifts during cleanup", async () => {
    const w = world();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first = true;
    const r = run(w, {
      cleanup: async () => {
        if (first) {
          first = false;
          await gate;
        }
      },
    });
    try {
      w.server.create(Sites, {
        metadata: { name: "a", namespace: NS, finalizers: ["test/a", F, "test/b"] },
      });
      await until(w.clock, () => r.calls.apply.length === 1, "apply");
      w.server.delete(Sites, "a", NS);
      await until(w.clock, () => r.calls.cleanup.length === 1, "cleanup started");
      // another controller finishes first: our finalizer moves from index 1 to 0
      w.server.patch(Sites, "a", [{ op: "remove", path: "/metadata/finalizers/0" }], {
        namespace: NS,
        patchType: "json",
      });
      release();
      await until(
        w.clock,
        () => !hasFinalizer(w.server.get(Sites, "a", NS) ?? { metadata: {} }, F),
        "our finalizer removed",
      );
      assert.deepEqual(w.server.get(Sites, "a", NS)?.metadata.finalizers, ["test/b"]);
      assert.equal(r.calls.cleanup.length, 2, "cleanup ran again after the guarded removal failed");
    } finally {
      await r.stop();
      await w.server.close();
    }
  });
});

describe("withFinalizer steps", () => {
  it("a stale add fails its test instead of overwriting a concurrent change", async () => {
    const w = world();
    const upsert = withFinalizer<Site>({
      client: w.client,
      type: Sites,
      finalizer: F,
      apply: () => {},
      cleanup: () => {},
    });
    try {
      const stale = w.server.create(Sites, {
        metadata: { name: "a", namespace: NS, finalizers: ["x"] },
      });
      w.server.patch(Sites, "a", [{ op: "add", path: "/metadata/finalizers/-", value: "y" }], {
        namespace: NS,
        patchType: "json",
      });
      const err = await (async () => {
        try {
          await upsert("shop/a", stale);
        } catch (e) {
          return e;
        }
      })();
      assert.ok(err instanceof FinalizerError);
      assert.equal(err.step, "add");
      assert.ok(err.cause instanceof ApiError && err.cause.code === 422, String(err.cause));
      assert.deepEqual(w.server.get(Sites, "a", NS)?.metadata.finalizers, ["x", "y"]);

      await upsert("shop/a", w.server.get(Sites, "a", NS)!);
      assert.deepEqual(w.server.get(Sites, "a", NS)?.metadata.finalizers, ["x", "y", F]);

      // no finalizers at all: guarded by the resourceVersion
      const bare = w.server.create(Sites, { metadata: { name: "b", namespace: NS } });
      w.server.update(Sites, {
        ...bare,
        metadata: { ...bare.metadata, resourceVersion: undefined, labels: { l: "1" } },
      });
      await assert.rejects(async () => upsert("shop/b", bare), FinalizerError);
      await upsert("shop/b", w.server.get(Sites, "b", NS)!);
      assert.deepEqual(w.server.get(Sites, "b", NS)?.metadata.finalizers, [F]);
    } finally {
      await w.server.close();
    }
  });

  it("runs cleanup once per version: a stale cached copy after the removal does nothing", async () => {
    const w = world();
    let cleanups = 0;
    const upsert = withFinalizer<Site>({
      client: w.client,
      type: Sites,
      finalizer: F,
      apply: () => {},
      cleanup: () => {
        cleanups++;
      },
    });
    try {
      w.server.create(Sites, { metadata: { name: "a", namespace: NS, finalizers: [F, "other"] } });
      w.server.delete(Sites, "a", NS);
      const deleting = w.server.get(Sites, "a", NS)!;
      await upsert("shop/a", deleting);
      await upsert("shop/a", deleting); // e.g. an owned object's event before our watch caught up
      assert.equal(cleanups, 1);
      assert.deepEqual(w.server.get(Sites, "a", NS)?.metadata.finalizers, ["other"]);
      // a wrapped failure names the step
      const failing = withFinalizer<Site>({
        client: w.client,
        type: Sites,
        finalizer: "other",
        apply: () => {},
        cleanup: () => {
          throw new Error("nope");
        },
      });
      await assert.rejects(
        async () => failing("shop/a", w.server.get(Sites, "a", NS)!),
        (e: unknown) => {
          assert.ok(e instanceof FinalizerError);
          assert.equal(e.step, "cleanup");
          assert.match(e.message, /finalizer other: cleanup for shop\/a failed: nope/);
          return true;
        },
      );
      assert.deepEqual(w.server.get(Sites, "a", NS)?.metadata.finalizers, ["other"]);
    } finally {
      await w.server.close();
    }
  });
});

// Failures are never silent by default: with no logger configured, informer errors and reconcile
// failures reach the console at warn/error level (as controller-runtime logs them); silentLogger
// keeps a component quiet.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createInformer } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import { Controller } from "../../src/controller/controller.ts";
import { newResource } from "../../src/controller/resource.ts";
import { ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { defaultLogger, silentLogger } from "../../src/util/logger.ts";

type Method = "debug" | "info" | "log" | "warn" | "error";
const lines: [Method, string][] = [];
const saved = new Map<Method, (...args: unknown[]) => void>();

beforeEach(() => {
  lines.length = 0;
  for (const m of ["debug", "info", "log", "warn", "error"] as const) {
    saved.set(m, console[m]);
    console[m] = (...args: unknown[]) => void lines.push([m, args.map(String).join(" ")]);
  }
});

afterEach(() => {
  for (const [m, f] of saved) console[m] = f;
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, i < 50 ? 0 : 2));
  assert.ok(cond(), what);
}

describe("defaultLogger", () => {
  it("writes warnings and errors to the console, drops info and debug", () => {
    defaultLogger.debug("d");
    defaultLogger.info("i");
    defaultLogger.warn("w", { key: "default/a" });
    defaultLogger.error("e");
    assert.deepEqual(lines, [
      ["warn", 'WARN w {"key":"default/a"}'],
      ["error", "ERROR e"],
    ]);
  });

  it("an informer without a logger reports a refused list (403) on the console", async () => {
    const server = new FakeApiServer();
    server.faults.failNext({ verb: "list", status: 403, times: Number.POSITIVE_INFINITY });
    const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
    const informer = createInformer(client, ConfigMaps, { clock: new FakeClock() });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    try {
      await until(() => lines.some(([m]) => m === "error"), "an error line");
      const [method, text] = lines.find(([m]) => m === "error")!;
      assert.equal(method, "error");
      assert.match(text, /^ERROR ConfigMap list failed .*"code":403/);
    } finally {
      ac.abort();
      await done;
      await server.close();
    }
  });

  it("a controller without a logger reports a failing reconcile (warn) and the dropped key (error)", async () => {
    const server = new FakeApiServer();
    server.create(ConfigMaps, { metadata: { name: "a", namespace: "default" } });
    const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
    const clock = new FakeClock();
    const informer = createInformer(client, ConfigMaps, { clock });
    const controller = new Controller({
      clock,
      maxRetries: 1,
      resource: newResource(
        informer,
        () => {
          throw new Error("no permission to write the mirror");
        },
        () => {},
      ),
    });
    const ac = new AbortController();
    const done = controller.run(ac.signal);
    try {
      await until(() => lines.some(([m]) => m === "warn"), "a warning");
      assert.match(
        lines.find(([m]) => m === "warn")![1],
        /^WARN upsert failed; will retry .*no permission/,
      );
      await clock.advance(10);
      await until(() => lines.some(([m]) => m === "error"), "an error line");
      assert.match(
        lines.find(([m]) => m === "error")![1],
        /^ERROR upsert failed; giving up on key/,
      );
    } finally {
      ac.abort();
      await done;
      await server.close();
    }
  });

  it("silentLogger keeps them quiet", async () => {
    const server = new FakeApiServer();
    server.faults.failNext({ verb: "list", status: 403, times: Number.POSITIVE_INFINITY });
    const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
    const errors: unknown[] = [];
    const informer = createInformer(client, ConfigMaps, {
      clock: new FakeClock(),
      logger: silentLogger,
      onError: (e) => errors.push(e),
    });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    try {
      await until(() => errors.length > 0, "the 403 reported to onError");
      assert.deepEqual(lines, []);
    } finally {
      ac.abort();
      await done;
      await server.close();
    }
  });
});

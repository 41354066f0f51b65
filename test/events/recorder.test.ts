// EventRecorder against the FakeApiServer on a FakeClock: series fold
// repeats, the rate limit spaces writes, and failures never reach the caller.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeClient } from "../../src/client/client.ts";
import { EVENT_RECORDER_RBAC, EventRecorder } from "../../src/events/recorder.ts";
import { Deployments } from "../../src/resources/apps.ts";
import { EventsV1, type EventV1 } from "../../src/resources/events.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { pump } from "../controller/support.ts";

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

function setup(options: { burst?: number; qps?: number; maxPending?: number } = {}) {
  const clock = new FakeClock(T0);
  const server = new FakeApiServer({ clock });
  const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
  const logger = new MemoryLogger();
  const recorder = new EventRecorder({
    client,
    reportingController: "test.kubeloop.dev/site-operator",
    reportingInstance: "site-operator-0",
    clock,
    logger,
    ...options,
  });
  const web = server.create(Deployments, {
    metadata: { name: "web", namespace: "shop" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [] } },
    },
  });
  const events = () => server.list(EventsV1, { namespace: "shop" });
  return { clock, server, recorder, logger, web, events };
}

describe("EventRecorder", () => {
  it("folds repeats within the window into one Event's series; a later one starts a new Event", async () => {
    const { clock, server, recorder, web, events } = setup();
    try {
      for (let i = 0; i < 5; i++) {
        recorder.publish(web, {
          type: "Warning",
          reason: "Unhealthy",
          action: "Probe",
          note: "down",
        });
        await clock.advance(10_000);
      }
      await pump(clock, recorder.flush());
      let list = events();
      assert.equal(list.length, 1, "one object for five occurrences");
      const ev: EventV1 = list[0]!;
      assert.equal(ev.series?.count, 5);
      assert.equal(ev.series?.lastObservedTime, "2024-01-01T12:00:40.000000Z");
      assert.equal(ev.eventTime, "2024-01-01T12:00:00.000000Z");
      assert.deepEqual(
        [ev.reason, ev.action, ev.type, ev.note, ev.reportingController, ev.reportingInstance],
        [
          "Unhealthy",
          "Probe",
          "Warning",
          "down",
          "test.kubeloop.dev/site-operator",
          "site-operator-0",
        ],
      );
      assert.equal(ev.regarding?.kind, "Deployment");
      assert.equal(ev.regarding?.name, "web");
      assert.equal(ev.regarding?.uid, web.metadata.uid);

      // a different note is another event
      recorder.publish(web, {
        type: "Warning",
        reason: "Unhealthy",
        action: "Probe",
        note: "slow",
      });
      // past the 6-minute window since the last occurrence: a new series
      await clock.advance(6 * 60_000 + 1);
      recorder.publish(web, {
        type: "Warning",
        reason: "Unhealthy",
        action: "Probe",
        note: "down",
      });
      await pump(clock, recorder.flush());
      list = events();
      assert.equal(list.length, 3);
      const fresh = list.filter((e) => e.note === "down" && e.series === undefined);
      assert.equal(fresh.length, 1);
      assert.equal(recorder.stats().created, 3);
    } finally {
      await server.close();
    }
  });

  it("rate-limits writes on the clock and folds repeats that wait into one write", async () => {
    const { clock, server, recorder, events } = setup({ burst: 2, qps: 1 });
    try {
      const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "cm" };
      for (const reason of ["A", "B", "C"]) {
        recorder.publish(ref, { type: "Normal", reason, action: "Sync" });
      }
      for (let i = 0; i < 10; i++)
        recorder.publish(ref, { type: "Normal", reason: "D", action: "Sync" });
      for (let i = 0; i < 10; i++) await clock.advance(0);
      assert.equal(events().length, 2, "the burst");
      await clock.advance(1000);
      for (let i = 0; i < 10; i++) await clock.advance(0);
      assert.equal(events().length, 3, "one more after a second");
      await pump(clock, recorder.flush());
      const d = events().filter((e) => e.reason === "D");
      assert.equal(d.length, 1);
      assert.equal(d[0]!.series?.count, 10, "ten repeats written once, with their count");
      const writes = server.requests.filter((r) => r.resource === "events" && r.method !== "GET");
      assert.equal(writes.length, 4);
    } finally {
      await server.close();
    }
  });

  it("never throws: failed writes and invalid input go to the logger", async () => {
    const { clock, server, recorder, logger, web, events } = setup();
    try {
      server.faults.failNext({ verb: "create", resource: EventsV1, status: 500, times: 1 });
      assert.doesNotThrow(() =>
        recorder.publish(web, { type: "Normal", reason: "Created", action: "Reconcile" }),
      );
      await pump(clock, recorder.flush());
      assert.equal(recorder.stats().failed, 1);
      assert.equal(logger.find("warn", "event write failed").length, 1);
      assert.equal(events().length, 0);
      // the next occurrence tries again
      recorder.publish(web, { type: "Normal", reason: "Created", action: "Reconcile" });
      await pump(clock, recorder.flush());
      assert.equal(events().length, 1);

      recorder.publish(web, { type: "Normal", reason: "", action: "Reconcile" });
      recorder.publish({ kind: "Pod" }, { type: "Normal", reason: "X", action: "Y" });
      recorder.publish(web, { type: "Bad" as "Normal", reason: "X", action: "Y" });
      assert.equal(recorder.stats().dropped, 3);
      assert.equal(logger.find("warn", "event dropped: invalid").length, 3);
    } finally {
      await server.close();
    }
  });

  it("recreates a series whose Event expired on the server", async () => {
    const { clock, server, recorder, web, events } = setup();
    try {
      recorder.publish(web, { type: "Normal", reason: "Synced", action: "Reconcile" });
      await pump(clock, recorder.flush());
      server.delete(EventsV1, events()[0]!.metadata.name!, "shop");
      recorder.publish(web, { type: "Normal", reason: "Synced", action: "Reconcile" });
      await pump(clock, recorder.flush());
      const list = events();
      assert.equal(list.length, 1);
      assert.equal(list[0]!.series?.count, 2);
    } finally {
      await server.close();
    }
  });

  it("drops new events when too many wait, and lists its RBAC", async () => {
    const { clock, server, recorder, web } = setup({ burst: 1, qps: 1, maxPending: 2 });
    try {
      for (const reason of ["A", "B", "C", "D"]) {
        recorder.publish(web, { type: "Normal", reason, action: "Sync" });
      }
      // A is being written; B and C wait; D does not fit
      assert.equal(recorder.stats().dropped, 1);
      await pump(clock, recorder.flush());
      assert.equal(recorder.stats().created, 3);
      assert.deepEqual(EVENT_RECORDER_RBAC, [
        { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
      ]);
    } finally {
      await server.close();
    }
  });
});

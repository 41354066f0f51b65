// Condition helpers (lastTransitionTime moves only on a status change, inputs
// are never mutated) and applyStatus (server-side apply on the status
// subresource with its own field manager).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeClient } from "../../src/client/client.ts";
import type { Condition } from "../../src/resources/common.ts";
import { applyStatus, jsonEqual } from "../../src/status/apply.ts";
import {
  findCondition,
  formatTime,
  isConditionStatus,
  removeCondition,
  setCondition,
} from "../../src/status/conditions.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { Sites, world } from "../controller/support.ts";

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

function frozen(list: Condition[]): readonly Condition[] {
  return Object.freeze(list.map((c) => Object.freeze({ ...c })));
}

describe("setCondition", () => {
  it("keeps lastTransitionTime when the status does not change", async () => {
    const clock = new FakeClock(T0);
    const first = setCondition(
      undefined,
      { type: "Ready", status: "False", reason: "Pending" },
      clock,
    );
    assert.equal(first.changed, true);
    assert.deepEqual(first.conditions, [
      {
        type: "Ready",
        status: "False",
        reason: "Pending",
        message: "",
        lastTransitionTime: "2024-01-01T12:00:00Z",
      },
    ]);
    await clock.advance(90_000);
    const same = setCondition(
      frozen(first.conditions),
      { type: "Ready", status: "False", reason: "Pending" },
      clock,
    );
    assert.equal(same.changed, false);
    assert.equal(same.conditions[0]!.lastTransitionTime, "2024-01-01T12:00:00Z");

    // a new reason or message is a change, but not a transition
    const reworded = setCondition(
      frozen(same.conditions),
      { type: "Ready", status: "False", reason: "Scaling", message: "1/3", observedGeneration: 2 },
      clock,
    );
    assert.equal(reworded.changed, true);
    assert.equal(reworded.conditions[0]!.lastTransitionTime, "2024-01-01T12:00:00Z");
    assert.equal(reworded.conditions[0]!.observedGeneration, 2);

    await clock.advance(30_000);
    const flipped = setCondition(
      frozen(reworded.conditions),
      { type: "Ready", status: "True", reason: "Available", observedGeneration: 2 },
      clock,
    );
    assert.equal(flipped.changed, true);
    assert.equal(flipped.conditions[0]!.lastTransitionTime, "2024-01-01T12:02:00Z");
    assert.equal(flipped.conditions[0]!.message, "");
  });

  it("replaces by type, keeps the others and their order, and never mutates its input", () => {
    const input = frozen([
      { type: "Ready", status: "True", reason: "A", lastTransitionTime: "2024-01-01T00:00:00Z" },
      {
        type: "Degraded",
        status: "False",
        reason: "B",
        lastTransitionTime: "2024-01-01T00:00:00Z",
      },
    ]);
    const out = setCondition(input, { type: "Ready", status: "False", reason: "C" }, T0);
    assert.deepEqual(
      out.conditions.map((c) => [c.type, c.status]),
      [
        ["Ready", "False"],
        ["Degraded", "False"],
      ],
    );
    assert.equal(input[0]!.status, "True");
    assert.equal(
      setCondition(
        input,
        { type: "Ready", status: "False", reason: "C", lastTransitionTime: "2023-05-05T00:00:00Z" },
        T0,
      ).conditions[0]!.lastTransitionTime,
      "2023-05-05T00:00:00Z",
      "an explicit transition time is used on a transition",
    );
  });

  it("finds, tests and removes conditions", () => {
    const list = [{ type: "Ready", status: "True" }];
    assert.equal(findCondition(list, "Ready")?.status, "True");
    assert.equal(findCondition(list, "Nope"), undefined);
    assert.equal(isConditionStatus(list, "Ready", "True"), true);
    assert.equal(isConditionStatus(list, "Ready", "False"), false);
    assert.equal(isConditionStatus(list, "Nope", "False"), false);
    assert.deepEqual(removeCondition(list, "Ready"), { conditions: [], changed: true });
    assert.deepEqual(removeCondition(list, "Nope"), { conditions: list, changed: false });
    assert.equal(formatTime(T0 + 999), "2024-01-01T12:00:00Z");
  });
});

describe("applyStatus", () => {
  it("applies through the status subresource with its own field manager, and skips no-ops", async () => {
    const { server, clock } = world();
    const seen: { method: string; url: string; contentType: string | null }[] = [];
    const client = new KubeClient({
      server: "http://fake",
      fetch: (input, init) => {
        const req = new Request(input, init);
        seen.push({
          method: req.method,
          url: req.url,
          contentType: req.headers.get("content-type"),
        });
        return server.fetch(req);
      },
    });
    try {
      const site = server.create(Sites, {
        metadata: { name: "a", namespace: "shop" },
        spec: { replicas: 2 },
      });
      const { conditions } = setCondition(
        undefined,
        { type: "Ready", status: "True", reason: "Up" },
        clock,
      );
      const status = { observedGeneration: site.metadata.generation, conditions };
      const written = await applyStatus(client, Sites, site, status, {
        fieldManager: "site-operator-status",
      });
      assert.deepEqual(written.status, status);
      assert.deepEqual(server.get(Sites, "a", "shop")?.spec, { replicas: 2 }, "spec untouched");
      assert.equal(
        server.get(Sites, "a", "shop")?.metadata.generation,
        1,
        "status writes keep the generation",
      );
      assert.equal(seen.length, 1);
      const url = new URL(seen[0]!.url);
      assert.equal(seen[0]!.method, "PATCH");
      assert.equal(url.pathname, "/apis/test.kubeloop.dev/v1/namespaces/shop/sites/a/status");
      assert.equal(url.searchParams.get("fieldManager"), "site-operator-status");
      assert.equal(url.searchParams.get("force"), "true");
      assert.equal(seen[0]!.contentType, "application/apply-patch+yaml");

      // the cached object already has this status: no request
      await applyStatus(client, Sites, written, structuredClone(status), {
        fieldManager: "site-operator-status",
      });
      assert.equal(seen.length, 1);
      await assert.rejects(
        () => applyStatus(client, Sites, written, status, { fieldManager: "" }),
        TypeError,
      );
    } finally {
      await server.close();
    }
  });

  it("compares JSON without regard to key order or undefined members", () => {
    assert.equal(
      jsonEqual({ a: 1, b: { c: [1, { d: 2 }] } }, { b: { c: [1, { d: 2 }] }, a: 1, e: undefined }),
      true,
    );
    assert.equal(jsonEqual({ a: [1, 2] }, { a: [2, 1] }), false);
    assert.equal(jsonEqual(undefined, {}), false);
  });
});

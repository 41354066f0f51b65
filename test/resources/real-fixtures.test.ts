// Objects recorded from a real API server (test/fixtures/real/, written by scripts/record-fixtures.ts):
// every one passes its kind's schema unchanged (fast path and zod) and round-trips through the
// client unchanged, as GET, as a LIST item and as a WATCH event.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { safeParse } from "zod/v4/core";
import { KubeClient } from "../../src/client/client.ts";
import { allBuiltinResources as builtinResources } from "../../src/resources/builtin.ts";
import type { KubernetesObject } from "../../src/resources/meta.ts";
import * as root from "../../src/resources/mod.ts";
import type { ResourceType } from "../../src/resources/resource.ts";
import { validate } from "../../src/resources/validate.ts";
import { loadRealFixtures, type RecordedFixture } from "../fixtures/real.ts";

const fixtures = loadRealFixtures();

/** kubeloop's type for the fixture, at the version the server served it as. */
function typeOf(f: RecordedFixture): ResourceType {
  const type = builtinResources.find((r) => r.apiVersion === f.apiVersion && r.kind === f.kind);
  assert.ok(type, `no built-in type ${f.apiVersion} ${f.kind}`);
  if (f.servedAs === type.apiVersion) return type;
  const [group, version] = f.servedAs.split("/") as [string, string];
  return { ...type, group, version, apiVersion: f.servedAs };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** A client whose transport answers from the recording and keeps every request body. */
function replay(f: RecordedFixture): { client: KubeClient; sent: unknown[] } {
  const sent: unknown[] = [];
  const json = (body: unknown, status = 200): Response =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json" },
    });
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    if (init?.body !== undefined) sent.push(JSON.parse(String(init.body)));
    if (url.searchParams.get("watch") === "true") {
      return new Response(`${JSON.stringify(f.watch)}\n`, {
        headers: { "Content-Type": "application/json" },
      });
    }
    const method = init?.method ?? "GET";
    if (method === "GET" && url.searchParams.has("fieldSelector")) return json(clone(f.list));
    return json(clone(f.get), method === "POST" ? 201 : 200);
  };
  return { client: new KubeClient({ server: "https://real.example", fetch }), sent };
}

function nameOf(obj: Record<string, unknown>): { name: string; namespace: string | undefined } {
  const meta = obj.metadata as { name: string; namespace?: string };
  return { name: meta.name, namespace: meta.namespace };
}

describe("real-server fixtures", () => {
  it("cover every kind the root entry exports with a GET, a LIST and a WATCH recording", () => {
    const have = fixtures.map((f) => `${f.apiVersion} ${f.kind}`).sort();
    const want = Object.values(root)
      .filter((v): v is ResourceType => builtinResources.includes(v as ResourceType))
      .map((r) => `${r.apiVersion} ${r.kind}`)
      .sort();
    assert.deepEqual(have, want);
    for (const f of fixtures) {
      assert.equal(f.list.items.length, 1, `${f.kind}: one list item`);
      assert.ok(["ADDED", "MODIFIED"].includes(f.watch.type), `${f.kind}: watch ${f.watch.type}`);
      assert.equal(nameOf(f.get).name, nameOf(f.watch.object).name);
    }
  });

  it("carry what the fake server never sends (the reason they exist)", () => {
    const dep = fixtures.find((f) => f.kind === "Deployment")!;
    const template = (dep.get.spec as { template: { metadata: Record<string, unknown> } }).template;
    assert.equal(template.metadata.creationTimestamp, null);
    // list items come without kind and apiVersion
    assert.equal(dep.list.items[0]!.kind, undefined);
    assert.equal(dep.list.items[0]!.apiVersion, undefined);
  });

  for (const f of fixtures) {
    describe(`${f.apiVersion} ${f.kind} (served as ${f.servedAs} by ${f.server})`, () => {
      const type = typeOf(f);
      const recordings: [string, Record<string, unknown>][] = [
        ["GET", f.get],
        ["LIST item", f.list.items[0]!],
        [`WATCH ${f.watch.type}`, f.watch.object],
      ];

      for (const [what, obj] of recordings) {
        it(`${what} passes the schema unchanged (fast path and zod)`, () => {
          const fast = validate(type.schema, clone(obj));
          assert.ok(
            fast.success,
            `${what}: ${!fast.success ? JSON.stringify(fast.error.issues.slice(0, 3)) : ""}`,
          );
          assert.deepEqual(fast.data, obj);
          const slow = safeParse(type.schema, clone(obj));
          assert.ok(slow.success, what);
          assert.deepEqual(slow.data, obj);
        });
      }

      it("round-trips through client.get, client.replace and client.create unchanged", async () => {
        const { client, sent } = replay(f);
        const { name, namespace } = nameOf(f.get);
        const got = await client.get(type, name, { namespace });
        assert.deepEqual(got, f.get);
        const replaced = await client.replace(type, got as KubernetesObject);
        assert.deepEqual(sent[0], f.get, "the client sends the object back as it came");
        assert.deepEqual(replaced, f.get);
        const created = await client.create(type, clone(f.get) as KubernetesObject);
        assert.deepEqual(sent[1], f.get);
        assert.deepEqual(created, f.get);
      });

      it("round-trips through client.list (kind and apiVersion filled in, nothing else)", async () => {
        const { client } = replay(f);
        const { name, namespace } = nameOf(f.get);
        const list = await client.list(type, {
          namespace,
          fieldSelector: `metadata.name=${name}`,
        });
        assert.equal(list.kind, f.list.kind);
        assert.deepEqual(list.metadata, f.list.metadata);
        assert.deepEqual(list.items, [
          { ...f.list.items[0], kind: type.kind, apiVersion: type.apiVersion },
        ]);
      });

      it("round-trips through client.watch", async () => {
        const { client } = replay(f);
        const events: unknown[] = [];
        for await (const ev of client.watch(type, { namespace: nameOf(f.get).namespace })) {
          events.push(ev);
        }
        assert.deepEqual(events, [f.watch]);
      });
    });
  }
});

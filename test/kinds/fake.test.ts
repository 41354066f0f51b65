// Every generated kind on the fake API server, through KubeClient and its generated
// ResourceType: an object is created, read, listed and watched, and validated on the way. The
// object is the real-server sample of its kind (test/kinds/samples.ts: the fake server validates
// those kinds as kube-apiserver 1.20 does), else a minimal one built from the kind's schema model
// (required fields only). The fake server serves one version per resource, so the preferred
// versions and the others run on separate servers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { definitionTypes } from "../../scripts/generate/builtin.ts";
import { KubeClient } from "../../src/client/client.ts";
import { allBuiltinResources, builtinResources } from "../../src/resources/builtin.ts";
import type { KubernetesObject } from "../../src/resources/meta.ts";
import type { ResourceType } from "../../src/resources/resource.ts";
import type { SchemaType } from "../../src/resources/schema-model.ts";
import { validate } from "../../src/resources/validate.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { answers, samples } from "./samples.ts";
import { extractDocument } from "./support.ts";

const typeOf = definitionTypes(extractDocument());

/** The smallest value a type accepts: required fields only, lists at their minimum length. */
function minimal(t: SchemaType, depth = 0): unknown {
  assert.ok(depth < 30, "a required field cycle");
  switch (t.type) {
    case "string":
      return t.enum?.[0] ?? "x".repeat(Math.max(1, t.minLength ?? 1));
    case "number":
      return t.enum?.[0] ?? Math.max(1, t.minimum ?? 1);
    case "boolean":
      return false;
    case "intOrString":
      return 1;
    case "quantity":
      return "1";
    case "time":
      return "2026-01-01T00:00:00Z";
    case "unknown":
      return {};
    case "array":
      return Array.from({ length: t.minItems ?? 0 }, () => minimal(t.items, depth + 1));
    case "map":
      return {};
    case "union":
      return minimal(t.options[0]!, depth + 1);
    case "ref":
      return minimal(typeOf(t.module, t.name), depth + 1);
    case "object": {
      const out: Record<string, unknown> = {};
      for (const p of t.properties) if (p.required) out[p.name] = minimal(p.type, depth + 1);
      return out;
    }
  }
}

function moduleOf(r: ResourceType): string {
  return `${r.group ? r.group.split(".")[0] : "core"}/${r.version}`;
}

async function exercise(types: readonly ResourceType[]): Promise<string[]> {
  const server = new FakeApiServer({ resources: types });
  const client = new KubeClient({ server: "http://fake.local", fetch: server.fetch });
  const done: string[] = [];
  try {
    for (const type of types) {
      const t = type as ResourceType<KubernetesObject>;
      const namespace = type.namespaced ? "default" : undefined;
      const sample =
        samples("obj", "default")[`${type.apiVersion} ${type.kind}`] ??
        answers("obj", "default")[`${type.apiVersion} ${type.kind}`];
      const { name: fixed, ...body } = (sample ??
        minimal(typeOf(moduleOf(type), type.kind))) as Record<string, unknown> & { name?: string };
      const name = fixed ?? `obj-${type.kind.toLowerCase()}`;
      const obj = { ...body, metadata: { name, namespace } } as KubernetesObject;
      assert.ok(validate(t.schema, obj).success, `${type.apiVersion} ${type.kind}: minimal object`);
      const before = await client.list(t, { namespace });
      const created = await client.create(t, obj);
      assert.equal(created.metadata.name, name);
      const got = await client.get(t, name, { namespace });
      assert.equal(got.metadata.uid, created.metadata.uid);
      const listed = await client.list(t, { namespace });
      assert.equal(listed.items.length, before.items.length + 1, `${type.kind} listed`);
      const ac = new AbortController();
      let seen: KubernetesObject | undefined;
      for await (const ev of client.watch(t, {
        namespace,
        resourceVersion: before.metadata.resourceVersion,
        signal: ac.signal,
      })) {
        if (ev.type === "ADDED" && ev.object.metadata.name === name) {
          seen = ev.object;
          break;
        }
      }
      ac.abort();
      assert.equal(seen?.metadata.uid, created.metadata.uid, `${type.kind} watched`);
      done.push(`${type.apiVersion} ${type.kind}`);
    }
  } finally {
    await server.close();
  }
  return done;
}

describe("every generated kind on the fake API server", () => {
  it("the preferred version of each resource: create, get, list, watch", async () => {
    const done = await exercise(builtinResources);
    assert.equal(done.length, builtinResources.length);
  });

  it("the other served versions, on servers of their own (one version of a resource each)", async () => {
    let others = allBuiltinResources.filter((r) => !builtinResources.includes(r));
    assert.ok(others.length > 0);
    let done = 0;
    while (others.length) {
      const round: ResourceType[] = [];
      const rest: ResourceType[] = [];
      for (const r of others) {
        const clash = round.some((x) => x.group === r.group && x.plural === r.plural);
        (clash ? rest : round).push(r);
      }
      done += (await exercise(round)).length;
      others = rest;
    }
    assert.equal(done, allBuiltinResources.length - builtinResources.length);
  });
});

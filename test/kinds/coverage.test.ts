// Walks the Kubernetes OpenAPI document and checks that every top-level kind is generated:
// a type, a schema and a ResourceType with the document's plural, scope, verbs and subresources.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resourceConstName, resourcesFromPaths } from "../../scripts/generate/builtin.ts";
import { isAlpha } from "../../scripts/generate/spec.ts";
import { allBuiltinResources, findBuiltinResource } from "../../src/resources/builtin.ts";
import type { ResourceType } from "../../src/resources/resource.ts";
import { extractDocument } from "./support.ts";

const doc = extractDocument();
const resources = resourcesFromPaths(doc);

describe("every top-level kind of the API is generated", () => {
  it("the document has the kinds we expect to walk", () => {
    const ga = resources.filter((r) => /^v\d+$/.test(r.version));
    assert.ok(ga.length >= 60, `${ga.length} GA resources`);
    assert.ok(resources.every((r) => !isAlpha(r.version)));
  });

  for (const r of resources) {
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    it(`${apiVersion} ${r.kind}`, async () => {
      const t = findBuiltinResource(apiVersion, r.kind);
      assert.ok(t, `${apiVersion} ${r.kind} is not generated`);
      assert.equal(t.plural, r.plural);
      assert.equal(t.namespaced, r.namespaced);
      assert.deepEqual(t.verbs, r.verbs);
      const subs = r.subresources.filter((s) => s === "status" || s === "scale");
      assert.deepEqual(t.subresources ?? [], subs);
      // importable from its module (kubeloop/kinds/<group>/<version>) with type, schema and resource
      const module = `${r.group ? r.group.split(".")[0] : "core"}/${r.version}`;
      const mod = (await import(`../../src/kinds/${module}.ts`)) as Record<string, unknown>;
      assert.ok(mod[`${r.kind}Schema`], `${module} lacks ${r.kind}Schema`);
      const name = resourceConstName(r.kind, r.plural, new Set());
      assert.equal(mod[name], t, `${module}.${name} is not the registered ResourceType`);
    });
  }

  it("registers nothing the document does not have", () => {
    const known = new Set(
      resources.map((r) => `${r.group ? `${r.group}/` : ""}${r.version}/${r.kind}`),
    );
    for (const t of allBuiltinResources as readonly ResourceType[]) {
      assert.ok(known.has(`${t.apiVersion}/${t.kind}`), `${t.apiVersion} ${t.kind}`);
    }
    assert.equal(allBuiltinResources.length, resources.length);
  });
});

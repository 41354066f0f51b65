// The merge metadata generated for every resource (src/kinds/merge.ts): what strategic merge
// patch and server-side apply need, straight from the OpenAPI document's extensions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { builtinMergeInfo } from "../../src/kinds/merge.ts";
import { allBuiltinResources } from "../../src/resources/builtin.ts";

const fields = (key: string) => {
  const info = builtinMergeInfo[key];
  assert.ok(info, `no merge info for ${key}`);
  return info.fields;
};

describe("generated merge metadata", () => {
  it("covers every generated resource", () => {
    for (const r of allBuiltinResources)
      assert.ok(builtinMergeInfo[`${r.apiVersion} ${r.kind}`], r.kind);
    assert.equal(Object.keys(builtinMergeInfo).length, allBuiltinResources.length);
  });

  it("has a Pod's list keys and strategies", () => {
    const pod = fields("v1 Pod");
    assert.deepEqual(pod["spec.containers"], {
      listType: "map",
      listMapKeys: ["name"],
      patchStrategy: "merge",
      patchMergeKey: "name",
    });
    assert.deepEqual(pod["spec.containers.ports"], {
      listType: "map",
      listMapKeys: ["containerPort", "protocol"],
      patchStrategy: "merge",
      patchMergeKey: "containerPort",
    });
    assert.equal(pod["spec.volumes"]?.patchStrategy, "merge,retainKeys");
    assert.deepEqual(pod["spec.containers.resources.limits"], { map: true });
    assert.deepEqual(pod["spec.nodeSelector"], { map: true, mapType: "atomic" });
    assert.equal(pod.metadata, undefined, "metadata is shared, not listed");
    assert.equal(pod["spec.containers.args"], undefined, "atomic lists are the default");
  });

  it("has struct-level strategies and map types, and the pod template of workloads", () => {
    const dep = fields("apps/v1 Deployment");
    assert.deepEqual(dep["spec.strategy"], { patchStrategy: "retainKeys" });
    assert.deepEqual(dep["spec.selector"], { mapType: "atomic" });
    assert.equal(dep["spec.template.spec.containers"]?.patchMergeKey, "name");
    assert.deepEqual(fields("v1 Service")["spec.selector"], { map: true, mapType: "atomic" });
  });

  it("stops at recursive types (a CRD's openAPIV3Schema) and gives map values a * segment", () => {
    const crd = fields("apiextensions.k8s.io/v1 CustomResourceDefinition");
    assert.deepEqual(crd["spec.versions.schema.openAPIV3Schema.properties"], { map: true });
    assert.ok(Object.keys(crd).length < 40);
    assert.ok(
      Object.keys(fields("v1 Pod")).every((p) => !p.includes("..")),
      "no empty path segments",
    );
  });
});

// The fake API server's /openapi/v2 and /openapi/v3 documents, built from the registered kinds'
// zod schemas: real fields, Kubernetes' spellings for int-or-string and maps, the
// group-version-kind extension, CRDs included, and nothing Swagger 2.0 cannot say in v2.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import type { CustomResourceDefinition } from "../../src/kinds/apiextensions/v1.ts";
import { Deployments } from "../../src/kinds/apps/v1.ts";
import { ConfigMaps, Pods } from "../../src/kinds/core/v1.ts";
import { resourceFromCRD } from "../../src/resources/crd.ts";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";

type Json = Record<string, unknown>;

const widgets = resourceFromCRD(
  parseAllDocuments(
    readFileSync(new URL("./crds/widgets.kubeloop.example.com.yaml", import.meta.url), "utf8"),
  )[0]!.toJSON() as CustomResourceDefinition,
);

function walk(node: unknown, visit: (n: Json) => void): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit);
  else if (node && typeof node === "object") {
    visit(node as Json);
    for (const v of Object.values(node)) walk(v, visit);
  }
}

const prop = (schema: unknown, ...path: string[]): Json => {
  let s = schema as Json;
  for (const p of path) {
    if (p === "[]") s = s.items as Json;
    else s = (s.properties as Record<string, Json>)[p]!;
    assert.ok(s, `no ${path.join(".")}`);
  }
  return s;
};

describe("the fake API server's OpenAPI documents", () => {
  let server: FakeApiServer;
  let listener: Listener;
  const get = async (path: string): Promise<Json> => {
    const res = await fetch(`${listener.url}${path}`);
    assert.equal(res.status, 200, path);
    return (await res.json()) as Json;
  };

  before(async () => {
    server = new FakeApiServer({ resources: [ConfigMaps, Pods, Deployments, widgets] });
    listener = await server.listen();
  });
  after(async () => {
    await listener.close();
    await server.close();
  });

  it("/openapi/v3 lists a document per group-version", async () => {
    const root = await get("/openapi/v3");
    const paths = Object.keys(root.paths as object).sort();
    assert.deepEqual(paths, ["api/v1", "apis/apps/v1", "apis/kubeloop.example.com/v1"]);
  });

  it("/openapi/v3/apis/apps/v1 has the Deployment schema with its real fields", async () => {
    const doc = await get("/openapi/v3/apis/apps/v1");
    assert.equal(doc.openapi, "3.0.0");
    const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
    const dep = schemas["apps.v1.Deployment"]!;
    assert.deepEqual(dep["x-kubernetes-group-version-kind"], [
      { group: "apps", version: "v1", kind: "Deployment" },
    ]);
    const containers = prop(dep, "spec", "template", "spec", "containers");
    assert.equal(containers.type, "array");
    const port = prop(containers, "[]", "ports", "[]");
    assert.deepEqual(port.required, ["containerPort"]);
    assert.equal(prop(port, "containerPort").type, "integer");
    assert.deepEqual(prop(dep, "spec", "strategy", "rollingUpdate", "maxSurge"), {
      "x-kubernetes-int-or-string": true,
    });
    assert.deepEqual(prop(dep, "metadata", "labels"), {
      type: "object",
      additionalProperties: { type: "string" },
    });
    assert.equal(prop(dep, "metadata", "creationTimestamp").nullable, true);
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const patch = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!.patch!;
    assert.deepEqual(patch["x-kubernetes-group-version-kind"], {
      group: "apps",
      version: "v1",
      kind: "Deployment",
    });
    assert.ok((patch.parameters as Json[]).some((p) => p.name === "fieldValidation"));
  });

  it("a CRD's kind is described from its openAPIV3Schema", async () => {
    const doc = await get("/openapi/v3/apis/kubeloop.example.com/v1");
    const w = (doc.components as { schemas: Record<string, Json> }).schemas[
      "kubeloop.example.com.v1.Widget"
    ]!;
    assert.deepEqual(prop(w, "spec", "color").enum, ["red", "green", "blue"]);
    assert.equal(prop(w, "spec", "size").minimum, 1);
    assert.deepEqual(prop(w, "spec", "port"), { "x-kubernetes-int-or-string": true });
    assert.deepEqual((prop(w, "spec") as { required?: string[] }).required, ["size", "color"]);
  });

  it("/openapi/v2 is Swagger 2.0: definitions by group-version-kind, no anyOf, no null types", async () => {
    const doc = await get("/openapi/v2");
    assert.equal(doc.swagger, "2.0");
    const defs = doc.definitions as Record<string, Json>;
    assert.deepEqual(Object.keys(defs).sort(), [
      "apps.v1.Deployment",
      "core.v1.ConfigMap",
      "core.v1.Pod",
      "kubeloop.example.com.v1.Widget",
    ]);
    walk(doc, (n) => {
      assert.ok(!("anyOf" in n) && !("oneOf" in n), "anyOf in Swagger 2.0");
      assert.ok(!Array.isArray(n.type), "a type list in Swagger 2.0");
      if (typeof n.$ref === "string") {
        assert.ok(defs[n.$ref.replace("#/definitions/", "")], `dangling ${n.$ref}`);
      }
    });
    assert.deepEqual(
      prop(defs["apps.v1.Deployment"], "spec", "strategy", "rollingUpdate", "maxSurge"),
      {
        type: "string",
        format: "int-or-string",
      },
    );
    assert.equal(prop(defs["core.v1.Pod"], "metadata", "deletionTimestamp")["x-nullable"], true);
    const create = (doc.paths as Record<string, Record<string, Json>>)[
      "/api/v1/namespaces/{namespace}/configmaps"
    ]!.post!;
    assert.equal(create["x-kubernetes-action"], "post");
  });
});

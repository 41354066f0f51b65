// resourceFromCRD (run time) and the modules `kubeloop generate crd` writes (test/kinds/generated)
// for the three test CRDs: names and scope from the CRD, every schema construct translated, and
// both agree on every object (and with zod and validate()).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { safeParse } from "zod/v4/core";
import type { CustomResourceDefinition } from "../../src/kinds/apiextensions/v1.ts";
import { CRDError, resourceFromCRD } from "../../src/resources/crd.ts";
import type { ResourceType } from "../../src/resources/resource.ts";
import { validate } from "../../src/resources/validate.ts";
import * as certManager from "./generated/cert-manager.io/v1.ts";
import * as widgetsV1 from "./generated/kubeloop.example.com/v1.ts";
import * as widgetsV1alpha1 from "./generated/kubeloop.example.com/v1alpha1.ts";
import * as monitoring from "./generated/monitoring.coreos.com/v1.ts";

function crd(file: string): CustomResourceDefinition {
  const text = readFileSync(new URL(`./crds/${file}`, import.meta.url), "utf8");
  return parseAllDocuments(text)[0]!.toJSON() as CustomResourceDefinition;
}
const widgets = crd("widgets.kubeloop.example.com.yaml");

const meta = { name: "w", namespace: "default" };
const good = {
  apiVersion: "kubeloop.example.com/v1",
  kind: "Widget",
  metadata: meta,
  spec: {
    size: 3,
    replicas: 0,
    ratio: 0.5,
    color: "red",
    name: "my-widget",
    nickname: null,
    port: "http",
    maxUnavailable: 1,
    labels: { a: "b" },
    limits: { cpu: 2, memory: "1Gi" },
    tags: ["x"],
    ports: [{ name: "http", port: 80, protocol: "TCP" }],
    config: { anything: { nested: [1, "two"] } },
    settings: { mode: "fast", extra: true },
    template: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { k: "v" } },
    anything: [1, { two: 2 }],
    deadline: "2026-01-01T00:00:00Z",
    enabled: false,
    selector: { matchLabels: { app: "w" } },
    steps: [{ action: "go", retry: { limit: 2 } }],
    futureField: "kept",
  },
  status: {
    replicas: 1,
    selector: "app=w",
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" }],
  },
};

/** One violation per construct: each must be rejected. */
const bad: [string, (w: typeof good) => void][] = [
  ["required spec", (w) => Reflect.deleteProperty(w, "spec")],
  ["required size", (w) => Reflect.deleteProperty(w.spec, "size")],
  ["integer", (w) => Object.assign(w.spec, { size: 2.5 })],
  ["minimum", (w) => Object.assign(w.spec, { size: 0 })],
  ["maximum", (w) => Object.assign(w.spec, { size: 101 })],
  ["exclusive minimum", (w) => Object.assign(w.spec, { ratio: 0 })],
  ["multipleOf", (w) => Object.assign(w.spec, { ratio: 0.3 })],
  ["enum", (w) => Object.assign(w.spec, { color: "purple" })],
  ["pattern", (w) => Object.assign(w.spec, { name: "Not_A_Name" })],
  ["maxLength", (w) => Object.assign(w.spec, { name: "a".repeat(64) })],
  ["not nullable", (w) => Object.assign(w.spec, { color: null })],
  ["int-or-string", (w) => Object.assign(w.spec, { port: true })],
  ["int-or-string (not a fraction)", (w) => Object.assign(w.spec, { maxUnavailable: 1.5 })],
  ["map values", (w) => Object.assign(w.spec, { labels: { a: 1 } })],
  ["maxProperties", (w) => Object.assign(w.spec, { limits: { a: 1, b: 2, c: 3, d: 4, e: 5 } })],
  ["minItems", (w) => Object.assign(w.spec, { tags: [] })],
  ["list item required", (w) => Object.assign(w.spec, { ports: [{ name: "x" }] })],
  ["list item bound", (w) => Object.assign(w.spec, { ports: [{ name: "x", port: 0 }] })],
  [
    "nested object",
    (w) => Object.assign(w.spec, { steps: [{ action: "go", retry: { limit: "2" } }] }),
  ],
  ["status enum", (w) => Object.assign(w.status.conditions[0]!, { status: "Maybe" })],
  ["metadata", (w) => Object.assign(w, { metadata: { name: 5 } })],
];

function accepts(type: ResourceType, value: unknown): boolean {
  const fast = validate(type.schema, value).success;
  const zod = safeParse(type.schema, value).success;
  assert.equal(fast, zod, "validate() and zod disagree");
  return zod;
}

describe("resourceFromCRD", () => {
  it("takes group, version, kind, plural, scope and subresources from the CRD (storage version by default)", () => {
    const w = resourceFromCRD(widgets);
    assert.deepEqual(
      [w.group, w.version, w.apiVersion, w.kind, w.plural, w.namespaced],
      ["kubeloop.example.com", "v1", "kubeloop.example.com/v1", "Widget", "widgets", true],
    );
    assert.deepEqual(w.subresources, ["status", "scale"]);
    assert.ok(w.verbs?.includes("watch"));
    assert.equal(resourceFromCRD(widgets, { version: "v1alpha1" }).subresources, undefined);
    const c = resourceFromCRD(crd("cert-manager.io_certificates.yaml"));
    assert.deepEqual(
      [c.apiVersion, c.plural, c.namespaced],
      ["cert-manager.io/v1", "certificates", true],
    );
  });

  it("refuses a version it does not serve, and what is not a CRD", () => {
    assert.throws(() => resourceFromCRD(widgets, { version: "v2" }), CRDError);
    const unserved = structuredClone(widgets);
    unserved.spec.versions[0]!.served = false;
    assert.throws(() => resourceFromCRD(unserved, { version: "v1alpha1" }), /not served/);
    assert.throws(
      () => resourceFromCRD({ ...widgets, kind: "ConfigMap" } as CustomResourceDefinition),
      /not a CustomResourceDefinition/,
    );
  });

  it("translates every construct: a valid Widget passes, unknown fields kept; each violation fails", () => {
    const w = resourceFromCRD(widgets);
    const r = validate(w.schema, structuredClone(good));
    assert.ok(r.success, JSON.stringify(!r.success && r.error.issues));
    assert.equal((r.data.spec as { futureField?: string }).futureField, "kept");
    for (const [what, mutate] of bad) {
      const obj = structuredClone(good);
      mutate(obj);
      assert.equal(accepts(w, obj), false, what);
    }
    // list items lack apiVersion and kind; v1alpha1 has its own, smaller schema
    assert.ok(accepts(w, { ...structuredClone(good), apiVersion: undefined, kind: undefined }));
    assert.ok(
      accepts(resourceFromCRD(widgets, { version: "v1alpha1" }), {
        metadata: meta,
        spec: { size: 1 },
      }),
    );
  });
});

describe("generated CRD modules", () => {
  it("export the same ResourceTypes resourceFromCRD builds", () => {
    const pairs: [ResourceType, ResourceType][] = [
      [widgetsV1.Widgets, resourceFromCRD(widgets)],
      [widgetsV1alpha1.Widgets, resourceFromCRD(widgets, { version: "v1alpha1" })],
      [certManager.Certificates, resourceFromCRD(crd("cert-manager.io_certificates.yaml"))],
      [
        monitoring.ServiceMonitors,
        resourceFromCRD(crd("monitoring.coreos.com_servicemonitors.yaml")),
      ],
    ];
    for (const [generated, runtime] of pairs) {
      const { schema: _a, ...g } = generated;
      const { schema: _b, ...r } = runtime;
      assert.deepEqual(g, r);
    }
  });

  it("agree with resourceFromCRD (and zod with validate()) on every object", () => {
    const generated = widgetsV1.Widgets;
    const runtime = resourceFromCRD(widgets);
    assert.ok(accepts(generated, structuredClone(good)));
    for (const [what, mutate] of bad) {
      const obj = structuredClone(good);
      mutate(obj);
      assert.equal(accepts(generated, obj), accepts(runtime, obj), what);
      assert.equal(accepts(generated, obj), false, what);
    }
  });

  it("name nested objects after their path and type them", () => {
    const spec: widgetsV1.WidgetSpec = {
      size: 1,
      color: "blue",
      steps: [{ action: "a", retry: { limit: 1 } }],
      ports: [{ name: "p", port: 1 }],
      template: { apiVersion: "v1", kind: "Pod" },
    };
    const step: widgetsV1.WidgetSpecSteps = spec.steps![0]!;
    const retry: widgetsV1.WidgetSpecStepsRetry | undefined = step.retry;
    assert.equal(retry?.limit, 1);
    assert.ok(widgetsV1.WidgetSpecSchema.safeParse(spec).success);
  });
});

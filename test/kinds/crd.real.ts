// The three test CRDs on the real server of this run (each under a group of its own, so runs
// never collide): the server accepts the CRDs, then objects of each kind; what it returns (create,
// get, list, watch; defaults applied, unknown fields pruned) passes the generated schema
// (test/kinds/generated) and the one resourceFromCRD builds, and the CRDs themselves pass the
// generated CustomResourceDefinition schema.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import type { $ZodType } from "zod/v4/core";
import type { KubeClient } from "../../src/client/client.ts";
import {
  type CustomResourceDefinition,
  CustomResourceDefinitions,
} from "../../src/kinds/apiextensions/v1.ts";
import { resourceFromCRD } from "../../src/resources/crd.ts";
import type { KubernetesObject } from "../../src/resources/meta.ts";
import { validate } from "../../src/resources/validate.ts";
import { realClient, suffix, testNamespace, waitFor } from "../real/support.ts";
import { CertificateSchema } from "./generated/cert-manager.io/v1.ts";
import { WidgetSchema } from "./generated/kubeloop.example.com/v1.ts";
import { ServiceMonitorSchema } from "./generated/monitoring.coreos.com/v1.ts";

/**
 * kube-apiserver 1.20 rejects a string field's `default: ""` ("must be of type string: null"),
 * which newer servers accept (the ServiceMonitor CRD has 18). kubeloop ignores defaults (the
 * server applies them), so dropping them changes nothing the test checks.
 */
function withoutEmptyDefaults(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutEmptyDefaults);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k, x]) => !(k === "default" && x === ""))
        .map(([k, x]) => [k, withoutEmptyDefaults(x)]),
    );
  }
  return v;
}

function crd(file: string): CustomResourceDefinition {
  const text = readFileSync(new URL(`./crds/${file}`, import.meta.url), "utf8");
  return parseAllDocuments(text)[0]!.toJSON() as CustomResourceDefinition;
}

const cases: { file: string; generated: $ZodType; object: Record<string, unknown> }[] = [
  {
    file: "widgets.kubeloop.example.com.yaml",
    generated: WidgetSchema,
    object: {
      spec: {
        size: 3,
        color: "green",
        name: "w-1",
        nickname: null,
        port: "http",
        maxUnavailable: 1,
        labels: { a: "b" },
        limits: { cpu: 2, memory: "1Gi" },
        tags: ["x", "y"],
        ports: [{ name: "http", port: 80 }],
        config: { nested: { list: [1, "two"] } },
        settings: { mode: "fast", extra: true },
        template: {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "c" },
          data: { k: "v" },
        },
        anything: [1, { two: 2 }],
        deadline: "2026-01-01T00:00:00Z",
        selector: { matchLabels: { app: "w" } },
        steps: [{ action: "go", retry: { limit: 2 } }],
      },
    },
  },
  {
    file: "cert-manager.io_certificates.yaml",
    generated: CertificateSchema,
    object: {
      spec: {
        secretName: "example-tls",
        issuerRef: { name: "ca", kind: "Issuer" },
        dnsNames: ["example.com", "www.example.com"],
        duration: "2160h",
        privateKey: { algorithm: "ECDSA", size: 256 },
      },
    },
  },
  {
    file: "monitoring.coreos.com_servicemonitors.yaml",
    generated: ServiceMonitorSchema,
    object: {
      spec: {
        selector: { matchLabels: { app: "web" } },
        endpoints: [{ port: "metrics", interval: "30s", path: "/metrics" }],
        namespaceSelector: { any: true },
      },
    },
  },
];

describe("the test CRDs on a real API server", () => {
  let client: KubeClient;
  let ns: { name: string; remove(): Promise<void> };
  const id = suffix();
  const made: string[] = [];

  before(async () => {
    client = await realClient();
    ns = await testNamespace(client, "crds");
  });

  after(async () => {
    for (const name of made) {
      await client.delete(CustomResourceDefinitions, name).catch(() => undefined);
    }
    await ns?.remove();
  });

  for (const c of cases) {
    it(`${c.file}: the server's objects pass the generated schema and resourceFromCRD's`, async () => {
      // a group of this run's own: <id>.<group>
      const def = withoutEmptyDefaults(crd(c.file)) as CustomResourceDefinition;
      const group = `k${id}.${def.spec.group}`;
      const name = `${def.spec.names.plural}.${group}`;
      def.metadata = { name };
      def.spec.group = group;
      const createdCrd = await client.create(CustomResourceDefinitions, def);
      made.push(name);
      assert.ok(validate(CustomResourceDefinitions.schema, createdCrd).success);
      const established = await waitFor(async () => {
        const got = await client.get(CustomResourceDefinitions, name);
        const ok = got.status?.conditions?.some(
          (x) => x.type === "Established" && x.status === "True",
        );
        return ok ? got : undefined;
      }, `${name} established`);
      const type = resourceFromCRD(established);
      assert.equal(type.group, group);

      const objName = `obj-${id}`;
      const before = await client.list(type, { namespace: ns.name });
      const created = await client.create(type, {
        apiVersion: type.apiVersion,
        kind: type.kind,
        metadata: { name: objName, namespace: ns.name },
        ...c.object,
      } as KubernetesObject);
      const got = await client.get(type, objName, { namespace: ns.name });
      const listed = await client.list(type, { namespace: ns.name });
      let watched: KubernetesObject | undefined;
      for await (const ev of client.watch(type, {
        namespace: ns.name,
        resourceVersion: before.metadata.resourceVersion,
        timeoutSeconds: 5,
      })) {
        if (ev.type === "ADDED") {
          watched = ev.object as KubernetesObject;
          break;
        }
      }
      assert.ok(watched, "no ADDED event");
      for (const [what, obj] of [
        ["create", created],
        ["get", got],
        ["list", listed.items[0]],
        ["watch", watched],
      ] as const) {
        for (const [which, schema] of [
          ["generated", c.generated],
          ["resourceFromCRD", type.schema],
        ] as const) {
          const r = validate(schema, obj);
          assert.ok(
            r.success,
            `${what} (${which}): ${!r.success ? JSON.stringify(r.error.issues.slice(0, 3)) : ""}`,
          );
        }
      }
      await client.delete(type, objName, { namespace: ns.name });
    });
  }

  it("the generated schema rejects what the server rejects (a Widget with a bad color)", async () => {
    const name = `widgets.k${id}.kubeloop.example.com`;
    const def = await client.get(CustomResourceDefinitions, name);
    const type = resourceFromCRD(def);
    const bad = {
      apiVersion: type.apiVersion,
      kind: "Widget",
      metadata: { name: `bad-${id}`, namespace: ns.name },
      spec: { size: 3, color: "purple" },
    };
    assert.equal(validate(WidgetSchema, bad).success, false);
    assert.equal(validate(type.schema, bad).success, false);
    await assert.rejects(
      client.create(type, bad as KubernetesObject),
      /Unsupported value: "purple"|422/,
    );
  });
});

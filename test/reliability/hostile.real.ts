// Hostile names against a real API server (issue 17; runs in npm test's real API server
// step, on Node): the three destructive calls send nothing and leave everything in
// place, and the fake API server answers names that are not path segments exactly as
// the real one does.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rawRequester } from "../../scripts/fixtures/record.ts";
import type { KubeClient } from "../../src/client/client.ts";
import { PathSegmentError } from "../../src/client/path.ts";
import { ConfigMaps, Namespaces } from "../../src/resources/core.ts";
import type { KubernetesObject } from "../../src/resources/meta.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { realClient, realConfig, testNamespace } from "../real/support.ts";

describe("hostile names on a real API server", () => {
  let client: KubeClient;
  let ns: { name: string; remove(): Promise<void> };
  before(async () => {
    client = await realClient();
    ns = await testNamespace(client, "hostile");
    for (const name of ["a", "b"]) {
      await client.create(ConfigMaps, { metadata: { name, namespace: ns.name }, data: { x: "1" } });
    }
  });
  after(async () => {
    await ns?.remove();
  });

  it("delete '.', delete '..' and list '..' send nothing; the objects and the namespace stay", async () => {
    await assert.rejects(client.delete(ConfigMaps, ".", { namespace: ns.name }), PathSegmentError);
    await assert.rejects(client.delete(ConfigMaps, "..", { namespace: ns.name }), PathSegmentError);
    await assert.rejects(client.list(ConfigMaps, { namespace: ".." }), PathSegmentError);
    const left = await client.list(ConfigMaps, { namespace: ns.name });
    assert.deepEqual(left.items.map((c) => c.metadata.name).sort(), ["a", "b"]);
    const namespace = await client.get(Namespaces, ns.name);
    assert.equal(namespace.metadata.deletionTimestamp, undefined);
  });

  it("the fake server answers names that are not path segments as the real one does", async () => {
    const raw = await rawRequester(await realConfig("admin"));
    const fake = new FakeApiServer();
    try {
      fake.create(Namespaces, { metadata: { name: ns.name } } as KubernetesObject);
      fake.create(ConfigMaps, { metadata: { name: "a", namespace: ns.name } } as KubernetesObject);
      const base = `/api/v1/namespaces/${ns.name}/configmaps`;
      const cases: [string, string][] = [
        ["GET", `${base}/a%25b`],
        ["DELETE", `${base}/a%25b`],
        ["GET", `${base}/a%2Fb`],
        ["GET", `/api/v1/namespaces/a%2Fb/configmaps/a`],
        ["GET", `${base}/a%25b/status`],
        ["GET", `/api/v1/namespaces/a%25b`],
        ["GET", `${base}/a`],
      ];
      for (const [method, path] of cases) {
        const real = await raw.request(method, path);
        const res = await fake.fetch(new Request(`http://fake${path}`, { method }));
        const body = (await res.json()) as { reason?: unknown; message?: unknown };
        const realBody = real.body as { reason?: unknown; message?: unknown };
        assert.equal(res.status, real.status, `${method} ${path}`);
        if (real.status >= 400) {
          assert.equal(body.reason, realBody.reason, `${method} ${path}`);
          assert.equal(body.message, realBody.message, `${method} ${path}`);
        }
      }
    } finally {
      await fake.close();
    }
  });
});

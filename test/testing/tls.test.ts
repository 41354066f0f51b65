import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { describe, it } from "node:test";
import { ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";

const dir = new URL("../fixtures/tls/", import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, dir), "utf8");

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("fake API server over HTTPS", () => {
  it("serves with a given certificate, trusted through a custom CA", async () => {
    const server = new FakeApiServer();
    server.create(ConfigMaps, { metadata: { name: "tls", namespace: "default" } });
    const listener = await server.listen({
      tls: { cert: read("server.crt"), key: read("server.key") },
    });
    try {
      assert.match(listener.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await get(`${listener.url}/api/v1/namespaces/default/configmaps`, read("ca.crt"));
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body).items[0].metadata.name, "tls");
      await assert.rejects(get(`${listener.url}/version`, read("server.key").replace(/.*/s, "")));
    } finally {
      await listener.close();
      await server.close();
    }
  });
});

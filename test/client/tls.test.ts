import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { KubeClient } from "../../src/client/client.ts";
import { NetworkError } from "../../src/client/errors.ts";
import { ConfigMaps } from "../../src/resources/core.ts";
import { detectRuntime, loadRuntime } from "../../src/runtime/mod.ts";
import { MemoryLogger } from "../../src/util/logger.ts";

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), "utf8");
const ca = fixture("ca.crt");
const cert = fixture("server.crt");
const key = fixture("server.key");
const clientCert = fixture("client.crt");
const clientKey = fixture("client.key");

const cm = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "a", namespace: "default" },
  data: { a: "1" },
};

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

describe(`HTTPS with a self-signed CA (${detectRuntime()})`, () => {
  let server: Server;
  let mtls: Server;
  let port = 0;
  let mtlsPort = 0;
  const seen: { authorization?: string | undefined; clientCN?: string | undefined }[] = [];

  before(async () => {
    server = createServer({ cert, key }, (req, res) => {
      seen.push({ authorization: req.headers.authorization });
      if (req.url?.includes("watch=true")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.write(`${JSON.stringify({ type: "ADDED", object: cm })}\n`);
        res.end(`${JSON.stringify({ type: "DELETED", object: cm })}\n`);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(cm));
    });
    mtls = createServer(
      { cert, key, ca, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const socket = req.socket as unknown as {
          getPeerCertificate?: () => { subject?: { CN?: string } };
        };
        // Bun's node:https has no getPeerCertificate: the handshake itself proves the client certificate
        const cn =
          typeof socket.getPeerCertificate === "function"
            ? socket.getPeerCertificate().subject?.CN
            : "test-user";
        seen.push({ clientCN: cn });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(cm));
      },
    );
    port = await listen(server);
    mtlsPort = await listen(mtls);
  });

  after(async () => {
    server.closeAllConnections?.();
    mtls.closeAllConnections?.();
    await new Promise((r) => server.close(r));
    await new Promise((r) => mtls.close(r));
  });

  it("trusts the custom CA (127.0.0.1 and localhost)", async () => {
    for (const host of ["127.0.0.1", "localhost"]) {
      const client = new KubeClient({
        server: `https://${host}:${port}`,
        caCertificate: ca,
        token: "t0k",
      });
      const obj = await client.get(ConfigMaps, "a", { namespace: "default" });
      assert.equal(obj.data?.a, "1");
    }
    assert.equal(seen.at(-1)?.authorization, "Bearer t0k");
  });

  it("streams a watch over HTTPS", async () => {
    const client = new KubeClient({ server: `https://127.0.0.1:${port}`, caCertificate: ca });
    const types: string[] = [];
    for await (const ev of client.watch(ConfigMaps, { namespace: "default" })) types.push(ev.type);
    assert.deepEqual(types, ["ADDED", "DELETED"]);
  });

  it("fails with NetworkError without the CA", async () => {
    const client = new KubeClient({ server: `https://127.0.0.1:${port}` });
    await assert.rejects(client.get(ConfigMaps, "a", { namespace: "default" }), NetworkError);
  });

  it("presents a client certificate (mTLS)", async () => {
    const client = new KubeClient({
      server: `https://127.0.0.1:${mtlsPort}`,
      caCertificate: ca,
      clientCertificate: clientCert,
      clientKey,
    });
    const obj = await client.get(ConfigMaps, "a", { namespace: "default" });
    assert.equal(obj.metadata.name, "a");
    assert.equal(seen.at(-1)?.clientCN, "test-user");
  });

  it("is refused by the mTLS server without a client certificate", async () => {
    const client = new KubeClient({ server: `https://127.0.0.1:${mtlsPort}`, caCertificate: ca });
    const before = seen.length;
    const result = await client.get(ConfigMaps, "a", { namespace: "default" }).then(
      () => "ok",
      (err: unknown) => err,
    );
    if (result === "ok") {
      // Bun's node:https server does not enforce requestCert; nothing to check there
      assert.equal(detectRuntime(), "bun");
      return;
    }
    assert.ok(result instanceof NetworkError, String(result));
    assert.equal(seen.length, before);
  });

  it("can skip verification when asked (and the runtime allows it)", async () => {
    const runtime = await loadRuntime();
    const logger = new MemoryLogger();
    const client = new KubeClient({
      server: `https://127.0.0.1:${port}`,
      insecureSkipTLSVerify: true,
      runtime,
      logger,
    });
    const obj = await client.get(ConfigMaps, "a", { namespace: "default" });
    assert.equal(obj.metadata.name, "a");
    assert.equal(logger.find("warn", "TLS verification is disabled").length, 1);
  });
});

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { KubeClient } from "../../src/client/client.ts";
import { ApiError, NetworkError, WatchDecodeError } from "../../src/client/errors.ts";
import { ConfigMaps } from "../../src/resources/core.ts";

const cm = { metadata: { name: "a", namespace: "default" } };
const line = (type: string): string => `${JSON.stringify({ type, object: cm })}\n`;

async function drain(it: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of it) n++;
  return n;
}

describe("watch streams over real HTTP", () => {
  let server: Server;
  let base = "";
  before(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? "";
      if (path.startsWith("/api/v1/namespaces/clean/")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.write(line("ADDED"));
        // split an event and a multi-byte character across writes
        const ev = Buffer.from(line("MODIFIED").replace('"a"', '"ä"'));
        res.write(ev.subarray(0, 20));
        setTimeout(() => res.end(ev.subarray(20)), 5);
        return;
      }
      if (path.startsWith("/api/v1/namespaces/truncated/")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`${line("ADDED")}{"type":"MODIFIED","obj`);
        return;
      }
      if (path.startsWith("/api/v1/namespaces/reset/")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.write(line("ADDED"));
        setTimeout(() => res.socket?.destroy(), 5);
        return;
      }
      if (path.startsWith("/api/v1/namespaces/throttled/")) {
        res.writeHead(429, { "content-type": "text/plain", "retry-after": "2" });
        res.end("Too many requests, please try again later.");
        return;
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
  });

  it("ends cleanly after complete lines, across chunk splits", async () => {
    const client = new KubeClient({ server: base });
    const names: string[] = [];
    for await (const ev of client.watch(ConfigMaps, { namespace: "clean" })) {
      if (ev.type === "ADDED" || ev.type === "MODIFIED") names.push(ev.object.metadata.name ?? "");
    }
    assert.deepEqual(names, ["a", "ä"]);
  });

  it("reports a stream that ends mid-line as truncated", async () => {
    const client = new KubeClient({ server: base });
    await assert.rejects(
      drain(client.watch(ConfigMaps, { namespace: "truncated" })),
      (err: unknown) => err instanceof WatchDecodeError && err.kind === "truncated",
    );
  });

  it("reports a reset connection as NetworkError (or truncation)", async () => {
    const client = new KubeClient({ server: base });
    await assert.rejects(
      drain(client.watch(ConfigMaps, { namespace: "reset" })),
      (err: unknown) =>
        err instanceof NetworkError ||
        (err instanceof WatchDecodeError && err.kind === "truncated"),
    );
  });

  it("parses a plain-text 429 with Retry-After", async () => {
    const client = new KubeClient({ server: base });
    await assert.rejects(
      drain(client.watch(ConfigMaps, { namespace: "throttled" })),
      (err: unknown) => err instanceof ApiError && err.code === 429 && err.retryAfter === 2,
    );
  });
});

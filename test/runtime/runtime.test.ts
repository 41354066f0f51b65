import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { KubeClient } from "../../src/client/client.ts";
import { ConfigMaps } from "../../src/resources/core.ts";
import {
  detectRuntime,
  loadRuntime,
  TransportUnsupportedError,
  webRuntime,
} from "../../src/runtime/mod.ts";
import { nodeHttpsFetch } from "../../src/runtime/node.ts";
import { WHOLE_BODY, type WholeBody } from "../../src/runtime/types.ts";

describe("runtime detection", () => {
  it("detects the runtime and loads its module", async () => {
    const name = detectRuntime();
    const expected = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
    assert.equal(name, expected);
    const rt = await loadRuntime();
    assert.equal(rt.name, expected);
    assert.equal(typeof rt.exec, "function");
    assert.ok(rt.homeDir());
  });

  it("reads files and env", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubeloop-rt-"));
    try {
      writeFileSync(join(dir, "f.txt"), "héllo");
      const rt = await loadRuntime();
      assert.equal(await rt.readTextFile(join(dir, "f.txt")), "héllo");
      await assert.rejects(rt.readTextFile(join(dir, "missing")));
      assert.equal(rt.env("KUBELOOP_SURELY_UNSET_VAR"), undefined);
      assert.ok(rt.env("PATH"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs processes", async () => {
    const rt = await loadRuntime();
    const r = await rt.exec!("sh", ["-c", 'printf "%s" "$KL_X"; echo err >&2; exit 3'], {
      env: { KL_X: "val" },
    });
    assert.equal(r.stdout, "val");
    assert.equal(r.stderr.trim(), "err");
    assert.equal(r.code, 3);
  });

  it("web runtime refuses custom TLS and file reads with a typed error", async () => {
    const web = webRuntime("workerd");
    assert.throws(() => web.createFetch({ ca: "PEM" }), TransportUnsupportedError);
    assert.throws(() => web.createFetch({ insecureSkipTLSVerify: true }), /publicly trusted/);
    assert.equal(typeof web.createFetch({}), "function");
    await assert.rejects(web.readTextFile("/x"), TransportUnsupportedError);
    assert.equal(web.env("HOME"), undefined);
    assert.equal(web.exec, undefined);
  });

  it("a client that needs a custom CA on workerd fails with TransportUnsupportedError", async () => {
    const client = new KubeClient({
      server: "https://k",
      caCertificate: "PEM",
      runtime: webRuntime("workerd"),
    });
    await assert.rejects(client.get(ConfigMaps, "a"), TransportUnsupportedError);
  });
});

describe("node:http(s) fetch transport", () => {
  let server: Server;
  let base = "";
  let hold: ServerResponse | undefined;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/echo") {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          res.writeHead(201, { "content-type": "text/plain", "x-method": req.method ?? "" });
          res.end(Buffer.concat(chunks));
        });
        return;
      }
      if (req.url?.startsWith("/encoded/")) {
        const encoding = req.url.slice("/encoded/".length);
        const plain = Buffer.from(
          JSON.stringify({ kind: "List", items: [{ n: "x".repeat(4096) }] }),
        );
        const encoded =
          encoding === "gzip"
            ? gzipSync(plain)
            : encoding === "deflate"
              ? deflateSync(plain)
              : brotliCompressSync(plain);
        res.writeHead(200, { "content-type": "application/json", "content-encoding": encoding });
        res.end(encoded);
        return;
      }
      if (req.url === "/headers" || req.url === "/api/v1/namespaces/default/configmaps/headers") {
        // the request's headers, as they are or as a ConfigMap's data
        const data = req.headers as Record<string, string>;
        const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "headers" }, data };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(req.url === "/headers" ? data : cm));
        return;
      }
      if (req.url === "/redirect") {
        res.writeHead(302, { location: "http://example.invalid/elsewhere" });
        res.end();
        return;
      }
      if (req.url === "/stream") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write("first\n");
        hold = res;
        return;
      }
      res.writeHead(204);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    hold?.destroy();
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
  });

  it("sends bodies and returns status, headers and body", async () => {
    const f = nodeHttpsFetch({});
    const res = await f(`${base}/echo`, { method: "POST", body: "ping ✓" });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("x-method"), "POST");
    assert.equal(await res.text(), "ping ✓");
    const empty = await f(`${base}/nothing`);
    assert.equal(empty.status, 204);
  });

  it("sends what fetch sends for every form of request: URL or Request, headers of any form, bytes", async () => {
    const f = nodeHttpsFetch({});
    const seen = async (
      input: RequestInfo | URL,
      init?: RequestInit,
    ): Promise<Record<string, string>> =>
      (await (await f(input, init)).json()) as Record<string, string>;
    const forms: [RequestInfo | URL, RequestInit | undefined][] = [
      [`${base}/headers`, { headers: new Headers({ "X-A": "1" }) }],
      [new URL(`${base}/headers`), { headers: { "X-A": "1" } }],
      [`${base}/headers`, { headers: [["X-A", "1"]] }],
      [new Request(`${base}/headers`, { headers: { "X-A": "1" } }), undefined],
    ];
    for (const [input, init] of forms) assert.equal((await seen(input, init))["x-a"], "1");
    // a string body is UTF-8 with fetch's default type and its length in bytes; bytes are sent as they are
    const sent = await f(`${base}/echo`, { method: "put", body: "ü" });
    assert.equal(sent.headers.get("x-method"), "PUT");
    assert.equal(await sent.text(), "ü");
    const bytes = await f(`${base}/echo`, { method: "POST", body: new Uint8Array([104, 105]) });
    assert.equal(await bytes.text(), "hi");
    await assert.rejects(f(`${base}/echo`, { body: "x" }), TypeError); // a GET with a body
    await assert.rejects(f("not a url"), TypeError);
  });

  it("streams the body and aborts mid-stream", async () => {
    const f = nodeHttpsFetch({});
    const ac = new AbortController();
    const res = await f(`${base}/stream`, { signal: ac.signal });
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), "first\n");
    hold!.write("second\n");
    const second = await reader.read();
    assert.equal(new TextDecoder().decode(second.value), "second\n");
    const reason = new Error("stop");
    ac.abort(reason);
    await assert.rejects(reader.read(), (err: unknown) => err === reason);
  });

  it("hands a 2xx body over whole when asked (WHOLE_BODY), and streams it otherwise", async () => {
    const f = nodeHttpsFetch({});
    const whole = (r: Response): WholeBody | undefined =>
      (r as Response & { [WHOLE_BODY]?: WholeBody })[WHOLE_BODY];
    const ask = { [WHOLE_BODY]: true } as RequestInit;
    const big = await f(`${base}/encoded/gzip`, ask);
    assert.equal(big.body, null);
    const heads: number[] = [];
    const read = await whole(big)!(Number.POSITIVE_INFINITY, (h) => heads.push(h.byteLength));
    assert.equal(read.truncated, false);
    assert.equal(JSON.parse(new TextDecoder().decode(read.bytes)).items[0].n.length, 4096);
    assert.equal(heads.length, 1);
    // at most the limit, then the rest is not read
    const cut = await whole(await f(`${base}/encoded/br`, ask))!(100);
    assert.deepEqual([cut.bytes.byteLength, cut.truncated], [100, true]);
    // not asked, or not a 2xx: a streaming body as fetch gives
    const streamed = await f(`${base}/encoded/deflate`);
    assert.equal(whole(streamed), undefined);
    assert.ok((await streamed.text()).startsWith('{"kind":"List"'));
    const redirect = await f(`${base}/redirect`, ask);
    assert.equal(whole(redirect), undefined);
    await redirect.body?.cancel();
  });

  it("rejects a whole-body read that is aborted or whose connection closes", async () => {
    const f = nodeHttpsFetch({});
    const ac = new AbortController();
    const ask = { [WHOLE_BODY]: true, signal: ac.signal } as RequestInit;
    const aborted = ((await f(`${base}/stream`, ask)) as Response & { [WHOLE_BODY]: WholeBody })[
      WHOLE_BODY
    ](1 << 20);
    const reason = new Error("stop");
    ac.abort(reason);
    await assert.rejects(aborted, (err: unknown) => err === reason);
    const cut = (
      (await f(`${base}/stream`, { [WHOLE_BODY]: true } as RequestInit)) as Response & {
        [WHOLE_BODY]: WholeBody;
      }
    )[WHOLE_BODY](1 << 20);
    hold!.destroy();
    await assert.rejects(cut, /closed before the response ended|aborted|socket hang up/);
  });

  it("sends an idempotent request again once when a kept-alive socket turns out closed", async () => {
    // every connection answers its first request and drops the next one unread: what a client
    // meets when the server's idle timeout closes a kept-alive socket as a request goes out
    let requests = 0;
    const sockets = new Set<unknown>();
    const dropping = createServer((req, res) => {
      requests++;
      sockets.add(req.socket);
      const socket = req.socket as typeof req.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (socket.served > 1) {
        socket.destroy();
        return;
      }
      res.writeHead(200, { "content-type": "text/plain", connection: "keep-alive" });
      res.end(req.method);
    });
    await new Promise<void>((r) => dropping.listen(0, "127.0.0.1", () => r()));
    const at = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}/`;
    try {
      const f = nodeHttpsFetch({});
      assert.equal(await (await f(at)).text(), "GET");
      assert.equal(await (await f(at)).text(), "GET");
      // the second GET went out on the kept-alive socket, was dropped, and was sent again
      assert.equal(requests, 3);
      assert.equal(sockets.size, 2);
      assert.equal(await (await f(at, { method: "PUT", body: "x" })).text(), "PUT");
      assert.equal(requests, 5);
      const post = f(at, { method: "POST", body: "x" });
      if ("Deno" in globalThis) {
        // Deno's node:http runs on Deno's own HTTP client, which sends any request again
        // itself when its pooled connection was closed
        assert.equal(await (await post).text(), "POST");
        assert.equal(requests, 7);
      } else {
        // a POST might have been read before the socket closed: not repeated, it fails
        await assert.rejects(post, TypeError);
        assert.equal(requests, 6);
      }
    } finally {
      dropping.closeAllConnections?.();
      await new Promise((r) => dropping.close(r));
    }
  });

  it("decodes gzip, deflate and br bodies as fetch does", async () => {
    const f = nodeHttpsFetch({});
    for (const encoding of ["gzip", "deflate", "br"]) {
      const res = await f(`${base}/encoded/${encoding}`);
      const body = (await res.json()) as { items: { n: string }[] };
      assert.equal(body.items[0]!.n.length, 4096, encoding);
    }
  });

  it("asks for no compression and follows no redirect", async () => {
    const f = nodeHttpsFetch({});
    const headers = (await (await f(`${base}/headers`)).json()) as Record<string, string>;
    assert.equal(headers["accept-encoding"], undefined);
    const res = await f(`${base}/redirect`, { redirect: "manual" });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get("location"), "http://example.invalid/elsewhere");
  });

  it("is the transport of a KubeClient on Node, also without custom TLS", async () => {
    // the global fetch (undici on Node, and Deno's and Bun's) asks for compressed bodies; node:http does not
    const client = new KubeClient({ server: base });
    const cm = await client.get(ConfigMaps, "headers", { namespace: "default" });
    const sent = cm.data?.["accept-encoding"];
    if (detectRuntime() === "node") assert.equal(sent, undefined);
    else assert.equal(typeof sent, "string");
  });

  it("rejects with a TypeError when the connection is refused", async () => {
    const f = nodeHttpsFetch({});
    await assert.rejects(f("http://127.0.0.1:1/"), TypeError);
  });
});

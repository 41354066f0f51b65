// The client's protective defaults (issue 17): a 30 s deadline on every non-watch
// request, a token-bucket rate limit on by default, a bound on decoded response
// bodies, and no redirects followed. Time is a FakeClock.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../../src/client/body.ts";
import { KubeClient } from "../../src/client/client.ts";
import {
  type ClusterConfig,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_USER_AGENT,
} from "../../src/client/config.ts";
import { ApiError, ResponseTooLargeError, TimeoutError } from "../../src/client/errors.ts";
import { DEFAULT_RATE_LIMIT } from "../../src/client/rate-limit.ts";
import { ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { FakeClock, flushMicrotasks } from "../../src/util/clock.ts";

const cm = JSON.stringify({ metadata: { name: "a", namespace: "default" } });

/** A fetch that answers at once (counting calls), or never (until aborted) with `hang`. */
function transport(
  opts: {
    hang?: boolean;
    body?: () => BodyInit;
    status?: number;
    headers?: Record<string, string>;
  } = {},
) {
  const inits: RequestInit[] = [];
  const f = (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    inits.push(init ?? {});
    if (opts.hang) {
      return new Promise((_, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true });
      });
    }
    return Promise.resolve(
      new Response(opts.body ? opts.body() : cm, {
        status: opts.status ?? 200,
        headers: { "content-type": "application/json", ...opts.headers },
      }),
    );
  };
  return { fetch: f as typeof fetch, inits };
}

function client(config: Partial<ClusterConfig>, clock = new FakeClock()): KubeClient {
  return new KubeClient({ server: "https://k8s.example", clock, ...config });
}

describe("default request deadline", () => {
  it("is 30 s: a request with no answer rejects with TimeoutError", async () => {
    assert.equal(DEFAULT_REQUEST_TIMEOUT_MS, 30_000);
    const clock = new FakeClock();
    const t = transport({ hang: true });
    const c = client({ fetch: t.fetch }, clock);
    let settled: unknown = "pending";
    const p = c.get(ConfigMaps, "a").then(
      () => "resolved",
      (err: unknown) => err,
    );
    void p.then((v) => {
      settled = v;
    });
    await clock.waitForTimers(1);
    await clock.advance(29_999);
    assert.equal(settled, "pending");
    await clock.advance(1);
    const err = await p;
    assert.ok(err instanceof TimeoutError, String(err));
    assert.equal(err.timeoutMs, 30_000);
    assert.match(
      err.message,
      /GET https:\/\/k8s\.example\/api\/v1\/namespaces\/default\/configmaps\/a: request timed out after 30000 ms/,
    );
    assert.equal(clock.pendingTimers, 0);
  });

  it("is configurable, per client and per call; 0 turns it off", async () => {
    const clock = new FakeClock();
    const t = transport({ hang: true });
    const c5 = client({ fetch: t.fetch, timeoutMs: 5000 }, clock);
    const p = c5.list(ConfigMaps).catch((e: unknown) => e);
    await clock.waitForTimers(1);
    await clock.advance(5000);
    assert.equal(((await p) as TimeoutError).timeoutMs, 5000);
    // per call: longer than the client's
    const p2 = c5.list(ConfigMaps, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    await clock.waitForTimers(1);
    await clock.advance(59_999);
    await clock.advance(1);
    assert.equal(((await p2) as TimeoutError).timeoutMs, 60_000);
    // 0: no deadline at all, the caller's signal still stops it
    const off = client({ fetch: t.fetch, timeoutMs: 0 }, clock);
    const ac = new AbortController();
    const p3 = off.get(ConfigMaps, "a", { signal: ac.signal }).catch((e: unknown) => e);
    await flushMicrotasks();
    assert.equal(clock.pendingTimers, 0);
    await clock.advance(3_600_000);
    ac.abort(new Error("stopped"));
    assert.equal(((await p3) as Error).message, "stopped");
    const p4 = c5.get(ConfigMaps, "a", { timeoutMs: 0, signal: AbortSignal.abort(new Error("x")) });
    await assert.rejects(p4, /x/);
    assert.throws(() => client({ timeoutMs: -1 }), /timeoutMs must be a number >= 0/);
  });

  it("does not apply to watches (they have their own idle deadline)", async () => {
    const clock = new FakeClock();
    const t = transport({ body: () => new ReadableStream<Uint8Array>({}) });
    const c = client({ fetch: t.fetch }, clock);
    const ac = new AbortController();
    const it = c.watch(ConfigMaps, { signal: ac.signal })[Symbol.asyncIterator]();
    const next = it.next().catch((e: unknown) => e);
    await flushMicrotasks();
    await clock.advance(10 * 60_000);
    assert.equal(clock.pendingTimers, 0, "no request deadline on a watch");
    ac.abort(new Error("done"));
    assert.equal(((await next) as Error).message, "done");
  });
});

describe("default rate limit", () => {
  it("is a token bucket of 50 per second, bursts of 100: a hot loop cannot flood", async () => {
    assert.deepEqual({ ...DEFAULT_RATE_LIMIT }, { qps: 50, burst: 100 });
    const clock = new FakeClock();
    const t = transport();
    const c = client({ fetch: t.fetch }, clock);
    const calls = Array.from({ length: 300 }, () => c.get(ConfigMaps, "a"));
    await flushMicrotasks();
    await flushMicrotasks();
    assert.equal(t.inits.length, 100, "the burst goes at once");
    await clock.advance(1000);
    assert.equal(t.inits.length, 150, "then 50 per second");
    await clock.advance(3000);
    assert.equal(t.inits.length, 300);
    await Promise.all(calls);
  });

  it("rateLimit: false turns it off; a custom bucket replaces it", async () => {
    const clock = new FakeClock();
    const t = transport();
    const off = client({ fetch: t.fetch, rateLimit: false }, clock);
    await Promise.all(Array.from({ length: 500 }, () => off.get(ConfigMaps, "a")));
    assert.equal(t.inits.length, 500);
    const t2 = transport();
    const slow = client({ fetch: t2.fetch, rateLimit: { qps: 1, burst: 2 } }, clock);
    const calls = Array.from({ length: 4 }, () => slow.get(ConfigMaps, "a"));
    await flushMicrotasks();
    await flushMicrotasks();
    assert.equal(t2.inits.length, 2);
    await clock.advance(1000);
    assert.equal(t2.inits.length, 3);
    await clock.advance(1000);
    await Promise.all(calls);
    assert.equal(t2.inits.length, 4);
  });
});

describe("response bodies are bounded after decompression", () => {
  it("refuses a body over maxResponseBytes with ResponseTooLargeError, without reading it all", async () => {
    assert.equal(DEFAULT_MAX_RESPONSE_BYTES, 256 * 1024 * 1024);
    let pulled = 0;
    const endless = (): ReadableStream<Uint8Array> =>
      new ReadableStream<Uint8Array>({
        pull(ctl) {
          pulled += 64 * 1024;
          ctl.enqueue(new Uint8Array(64 * 1024).fill(0x20));
        },
      });
    const t = transport({ body: endless });
    const c = client({ fetch: t.fetch, maxResponseBytes: 1024 * 1024 });
    await assert.rejects(c.list(ConfigMaps), (err: unknown) => {
      assert.ok(err instanceof ResponseTooLargeError);
      assert.equal(err.limitBytes, 1024 * 1024);
      assert.match(err.message, /response body exceeds 1048576 bytes \(maxResponseBytes\)/);
      return true;
    });
    assert.ok(pulled <= 1024 * 1024 + 3 * 64 * 1024, `read ${pulled} bytes`);
    // a body of exactly the limit is fine
    const exact = transport({ body: () => `${cm}${" ".repeat(1000 - cm.length)}` });
    const c2 = client({ fetch: exact.fetch, maxResponseBytes: 1000 });
    assert.equal((await c2.get(ConfigMaps, "a")).metadata.name, "a");
    assert.throws(() => client({ maxResponseBytes: Number.NaN }), /maxResponseBytes/);
  });
});

describe("redirects", () => {
  it("are never followed: fetch gets redirect 'manual' and a 3xx is an ApiError", async () => {
    const t = transport({
      status: 302,
      body: () => "",
      headers: { location: "https://user:pw@elsewhere.example/steal?t=canary-secret-token" },
    });
    const c = client({ fetch: t.fetch, token: "canary-secret-token" });
    await assert.rejects(c.get(ConfigMaps, "a"), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 302);
      assert.equal(err.reason, "Redirect");
      assert.match(
        err.message,
        /redirected to https:\/\/elsewhere\.example\/steal\?t=<redacted>; kubeloop does not follow redirects/,
      );
      assert.ok(!err.message.includes("pw@") && !err.message.includes("canary"));
      return true;
    });
    assert.equal(t.inits[0]!.redirect, "manual");
  });
});

describe("User-Agent", () => {
  const sent = (t: ReturnType<typeof transport>): string | null =>
    new Headers(t.inits[0]!.headers).get("user-agent");

  it("is kubeloop unless the config names another; a User-Agent header wins", async () => {
    const plain = transport();
    await client({ fetch: plain.fetch }).get(ConfigMaps, "a");
    assert.equal(sent(plain), DEFAULT_USER_AGENT);
    assert.equal(DEFAULT_USER_AGENT, "kubeloop");

    const named = transport();
    await client({ fetch: named.fetch, userAgent: "website-operator/1.2" }).get(ConfigMaps, "a");
    assert.equal(sent(named), "website-operator/1.2");

    const header = transport();
    await client({
      fetch: header.fetch,
      userAgent: "ignored",
      headers: { "User-Agent": "from-headers" },
    }).get(ConfigMaps, "a");
    assert.equal(sent(header), "from-headers");
  });

  it("names the field manager of writes that give none (the fake server does as a real one)", async () => {
    const server = new FakeApiServer();
    const c = new KubeClient({
      server: "http://fake.local",
      fetch: server.fetch,
      userAgent: "mirror-controller/0.3 (node)",
    });
    const created = await c.create(ConfigMaps, {
      metadata: { name: "ua", namespace: "default" },
      data: { k: "v" },
    });
    const managers = (created.metadata.managedFields ?? []).map((m) => m.manager);
    assert.deepEqual(managers, ["mirror-controller"]);
    await server.close();
  });
});

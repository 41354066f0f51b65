// The hostile-server suite (issue 17): a scripted HTTP server (raw TCP, real sockets)
// sends what no well-behaved API server would, and an informer (real KubeClient, the
// runtime's own fetch) must end each case in a typed error and a bounded retry:
// never a crash, a hang or a flood. Time is a FakeClock shared by the client (request
// deadlines, rate limit) and the informer (backoff); the test counts the requests the
// client sends per (fake) second.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { createInformer, type Informer } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import type { ClusterConfig } from "../../src/client/config.ts";
import {
  ApiError,
  NetworkError,
  ResponseTooLargeError,
  TimeoutError,
} from "../../src/client/errors.ts";
import type { ConfigMap } from "../../src/resources/core.ts";
import { ConfigMaps } from "../../src/resources/core.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { eventually, tick } from "./harness.ts";
import {
  EMPTY_LIST,
  respond,
  type Script,
  type ScriptedServer,
  scriptedServer,
  statusBody,
} from "./scripted-server.ts";

const CANARY = "hostile-canary-token-0123456789";
const DAY_S = 86_400;
const JSON_HEADERS = { "Content-Type": "application/json" };

interface Run {
  server: ScriptedServer;
  clock: FakeClock;
  informer: Informer<ConfigMap>;
  /** Fake-clock time of every request the client handed to fetch. */
  sent: number[];
  errors: { err: unknown; phase: string }[];
  start: number;
  /** Wait until every request sent so far has been answered, reported and backed off from. */
  settle(): Promise<void>;
  /** Stop the informer; resolves with the real milliseconds `run` took to return. */
  stop(): Promise<number>;
}

const open: Run[] = [];

async function run(script: Script, config: Partial<ClusterConfig> = {}): Promise<Run> {
  const server = await scriptedServer(script);
  const clock = new FakeClock(Date.now());
  const sent: number[] = [];
  const f = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    sent.push(clock.now());
    return globalThis.fetch(input, init);
  };
  const client = new KubeClient({
    server: server.url,
    token: CANARY,
    fetch: f as typeof fetch,
    clock,
    ...config,
  });
  const errors: { err: unknown; phase: string }[] = [];
  const informer = createInformer(client, ConfigMaps, {
    namespace: "default",
    clock,
    random: () => 0, // no jitter: backoff 800 ms, 1.6 s, 3.2 s, ... capped at 30 s
    onError: (err, info) => errors.push({ err, phase: info.phase }),
  });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  const r: Run = {
    server,
    clock,
    informer,
    sent,
    errors,
    start: clock.now(),
    settle: async () => {
      await eventually(
        () => informer.stats().backoffs === sent.length && server.requests.length === sent.length,
        { what: `${sent.length} requests answered and backed off` },
      );
    },
    stop: async () => {
      const t = performance.now();
      ac.abort();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        done,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("run() did not end within 5 s of stop")), 5000);
        }),
      ]).finally(() => clearTimeout(timer));
      return performance.now() - t;
    },
  };
  open.push(r);
  return r;
}

after(async () => {
  for (const r of open) await r.server.close();
});

/** Requests per fake second, from `start`, for `seconds` seconds. */
function perSecond(r: Run, seconds: number): number[] {
  const counts = new Array<number>(seconds).fill(0);
  for (const at of r.sent) {
    const s = Math.floor((at - r.start) / 1000);
    if (s >= 0 && s < seconds) counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}

/**
 * Advance the fake clock by `seconds`, timer by timer: the clock stops at each due
 * timer and the test waits until the request it triggers is answered and backed off
 * from, so every retry is scheduled from the exact time it was due.
 */
async function advanceSeconds(r: Run, seconds: number): Promise<void> {
  const target = r.clock.now() + seconds * 1000;
  for (;;) {
    const next = r.clock.nextTimerAt();
    if (next === undefined || next > target) {
      await r.clock.advance(target - r.clock.now());
      await r.settle();
      return;
    }
    await r.clock.advance(next - r.clock.now());
    await r.settle();
  }
}

function report(name: string, r: Run, seconds: number, stopMs: number): void {
  const counts = perSecond(r, seconds);
  const first = r.errors[0]?.err as { name?: string; code?: number; reason?: string } | undefined;
  const what = first
    ? `${first.name}${first.code ? ` ${first.code} ${first.reason}` : ""}`
    : "none";
  console.log(
    `# hostile: ${name}: ${what}; ${r.sent.length} request(s) in ${seconds} s, max ${Math.max(...counts)}/s, stop took ${stopMs.toFixed(1)} ms`,
  );
}

describe("Retry-After: 34 days, in every form", () => {
  const longWait = 34 * DAY_S; // 2 937 600 s; the issue's 3 000 000 s too
  const forms: { name: string; headers: () => Record<string, string>; body: () => string }[] = [
    {
      name: "Retry-After: 3000000 (seconds)",
      headers: () => ({ "Retry-After": "3000000" }),
      body: () => statusBody(429, "TooManyRequests"),
    },
    {
      name: "Retry-After: an HTTP date 34 days ahead",
      headers: () => ({ "Retry-After": new Date(Date.now() + longWait * 1000).toUTCString() }),
      body: () => statusBody(429, "TooManyRequests"),
    },
    {
      name: "details.retryAfterSeconds of 34 days, no header",
      headers: () => ({}),
      body: () => statusBody(429, "TooManyRequests", { details: { retryAfterSeconds: longWait } }),
    },
    {
      name: "plain-text 429 with Retry-After: 3000000 (priority and fairness)",
      headers: () => ({ "Retry-After": "3000000", "Content-Type": "text/plain" }),
      body: () => "Too many requests, please try again later.\n",
    },
  ];
  for (const form of forms) {
    it(`${form.name}: at most one request in 10 s, a retry at the backoff cap, stop at once`, async () => {
      const r = await run((req) => {
        respond(req.socket, 429, { ...JSON_HEADERS, ...form.headers() }, form.body());
      });
      await eventually(() => r.sent.length === 1 && r.errors.length === 1);
      await r.settle();
      const first = r.errors[0]!.err;
      assert.ok(first instanceof ApiError && first.code === 429, String(first));
      // an HTTP date has whole seconds, and the client reads it a moment after the server wrote it
      assert.ok((first.retryAfter ?? 0) >= longWait - 2, `retryAfter ${first.retryAfter}`);
      await advanceSeconds(r, 10);
      assert.equal(r.sent.length, 1, "at most one request in 10 s");
      assert.equal(r.server.requests.length, 1);
      // the wait is capped at the backoff's maximum (30 s), not 34 days, nor 1 ms
      await advanceSeconds(r, 19);
      assert.equal(r.sent.length, 1);
      await advanceSeconds(r, 1);
      assert.equal(r.sent.length, 2, "retried at the 30 s cap");
      assert.equal(r.sent[1]! - r.start, 30_000);
      const counts = perSecond(r, 30);
      assert.ok(Math.max(...counts) <= 1, `requests per second: ${counts.join(",")}`);
      assert.ok(r.informer.lastError() instanceof ApiError);
      // stop ends it at once: no fake time passes, the 30 s sleep is cancelled
      const before = r.clock.now();
      const stopMs = await r.stop();
      assert.equal(r.clock.now(), before);
      assert.equal(r.clock.pendingTimers, 0, "no timer left behind");
      report(form.name, r, 30, stopMs);
    });
  }
});

describe("Retry-After in the past, garbled or negative: the backoff, not a hot loop", () => {
  const values = [
    "Mon, 01 Jan 1990 00:00:00 GMT",
    "soon",
    "-5",
    "1.5",
    "99999999999999999999999",
    "Tue, 31 Feb 2099 00:00:00 GMT",
  ];
  for (const value of values) {
    it(`Retry-After: ${value}`, async () => {
      const r = await run((req) => {
        respond(
          req.socket,
          503,
          { ...JSON_HEADERS, "Retry-After": value },
          statusBody(503, "ServiceUnavailable"),
        );
      });
      await eventually(() => r.sent.length === 1);
      await r.settle();
      const err = r.errors[0]!.err;
      assert.ok(err instanceof ApiError && err.code === 503);
      assert.equal(err.retryAfter, value.includes("1990") ? 0 : undefined);
      await advanceSeconds(r, 10);
      // backoff 800 ms, 1.6 s, 3.2 s, 6.4 s: requests at 0, 0.8, 2.4 and 5.6 s
      assert.deepEqual(
        r.sent.map((t) => t - r.start),
        [0, 800, 2400, 5600],
      );
      const counts = perSecond(r, 10);
      assert.ok(Math.max(...counts) <= 2, `requests per second: ${counts.join(",")}`);
      report(`Retry-After: ${value}`, r, 10, await r.stop());
    });
  }
});

describe("no request hangs forever: the default 30 s deadline", () => {
  const cases: { name: string; script: Script }[] = [
    { name: "a server that accepts and never answers", script: () => {} },
    {
      name: "response headers that never finish",
      script: (req) => req.socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"),
    },
    {
      name: "a body that stops mid-JSON and stalls",
      script: (req) => {
        req.socket.write(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n",
        );
        req.socket.write(EMPTY_LIST.slice(0, 40));
      },
    },
    {
      name: "a Content-Length that promises more than comes (stall)",
      script: (req) => {
        req.socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${EMPTY_LIST.length + 100}\r\n\r\n${EMPTY_LIST}`,
        );
      },
    },
  ];
  for (const c of cases) {
    it(`${c.name}: a TimeoutError at 30 s in lastError(), onError and stats, then a retry`, async () => {
      const r = await run(c.script);
      await eventually(() => r.server.requests.length === 1);
      await advanceSecondsUntilError(r, 29);
      assert.equal(r.errors.length, 0, "nothing before the deadline");
      await r.clock.advance(1000);
      await r.settle();
      const err = r.errors[0]?.err;
      assert.ok(err instanceof TimeoutError, String(err));
      assert.equal(err.timeoutMs, 30_000);
      assert.equal(err.method, "GET");
      assert.equal(r.errors[0]!.phase, "list");
      assert.equal(r.informer.lastError(), err);
      const stats = r.informer.stats();
      assert.equal(stats.errors, 1);
      assert.equal(stats.backoffs, 1);
      assert.equal(stats.lists, 0);
      // retried after the backoff (800 ms)
      await r.clock.advance(800);
      await eventually(() => r.server.requests.length === 2);
      assert.equal(r.sent[1]! - r.start, 30_800);
      report(c.name, r, 31, await r.stop());
    });
  }
});

/** Advance second by second without expecting answers (the server is silent). */
async function advanceSecondsUntilError(r: Run, seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    await r.clock.advance(1000);
    await tick(1);
  }
}

describe("broken bodies end in a typed error and the backoff", () => {
  const bomb = gzipSync(new Uint8Array(32 * 1024 * 1024).fill(0x20)); // 32 MiB of spaces, ~32 KiB sent
  const cases: {
    name: string;
    script: Script;
    config?: Partial<ClusterConfig>;
    check: (err: unknown) => boolean;
  }[] = [
    {
      name: "a body cut mid-JSON (connection closed)",
      script: (req) => {
        req.socket.write(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        req.socket.write(`28\r\n${EMPTY_LIST.slice(0, 40)}\r\n`);
        req.socket.end();
      },
      check: (err) =>
        err instanceof NetworkError ||
        (err instanceof ApiError && err.reason === "InvalidResponse"),
    },
    {
      name: "a Content-Length longer than the body (connection closed)",
      script: (req) => {
        req.socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${EMPTY_LIST.length + 100}\r\n\r\n${EMPTY_LIST}`,
        );
        req.socket.end();
      },
      check: (err) =>
        err instanceof NetworkError ||
        (err instanceof ApiError && err.reason === "InvalidResponse"),
    },
    {
      name: "a Content-Length shorter than the body",
      script: (req) => {
        req.socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 30\r\n\r\n${EMPTY_LIST}`,
        );
      },
      check: (err) =>
        (err instanceof ApiError && err.reason === "InvalidResponse") ||
        err instanceof NetworkError,
    },
    {
      name: "a gzip body that expands 1000-fold (32 MiB) against a 1 MiB limit",
      config: { maxResponseBytes: 1024 * 1024 },
      script: (req) => {
        respond(req.socket, 200, { ...JSON_HEADERS, "Content-Encoding": "gzip" }, bomb);
      },
      check: (err) => err instanceof ResponseTooLargeError && err.limitBytes === 1024 * 1024,
    },
    {
      name: "a 500 whose gzip body expands to 32 MiB (error bodies read up to 64 KiB)",
      script: (req) => {
        respond(
          req.socket,
          500,
          { "Content-Type": "text/plain", "Content-Encoding": "gzip" },
          bomb,
        );
      },
      check: (err) => err instanceof ApiError && err.code === 500 && err.message.length < 2000,
    },
  ];
  for (const c of cases) {
    it(`${c.name}`, async () => {
      const r = await run(c.script, c.config);
      await eventually(() => r.errors.length >= 1, { what: "an error reported" });
      await r.settle();
      const err = r.errors[0]!.err;
      assert.ok(c.check(err), `${(err as Error)?.name}: ${(err as Error)?.message}`);
      assert.equal(r.errors[0]!.phase, "list");
      assert.equal(r.informer.lastError(), err);
      assert.equal(r.informer.stats().backoffs, 1);
      // one retry after the backoff, not before
      await r.clock.advance(799);
      await tick(5);
      assert.equal(r.sent.length, 1);
      await r.clock.advance(1);
      await eventually(() => r.errors.length >= 2);
      await r.settle();
      const counts = perSecond(r, 2);
      assert.ok(Math.max(...counts) <= 2, `requests per second: ${counts.join(",")}`);
      report(c.name, r, 2, await r.stop());
    });
  }
});

describe("a redirect to another host", () => {
  it("is not followed: the token never reaches the other host", async () => {
    const other = await scriptedServer((req) => respond(req.socket, 200, JSON_HEADERS, EMPTY_LIST));
    try {
      const r = await run((req) => {
        respond(req.socket, 307, { Location: `${other.url}${req.target}` });
      });
      await eventually(() => r.errors.length === 1);
      await r.settle();
      const err = r.errors[0]!.err;
      assert.ok(err instanceof ApiError, String(err));
      assert.equal(err.code, 307);
      assert.equal(err.reason, "Redirect");
      assert.ok(err.message.includes(other.url), err.message);
      assert.ok(!err.message.includes(CANARY));
      assert.equal(r.server.requests[0]!.headers.authorization, `Bearer ${CANARY}`);
      assert.equal(other.requests.length, 0, "the other host got no request");
      await advanceSeconds(r, 3);
      assert.equal(other.requests.length, 0);
      assert.deepEqual(
        r.sent.map((t) => t - r.start),
        [0, 800, 2400],
      );
      report("redirect to another host", r, 3, await r.stop());
    } finally {
      await other.close();
    }
  });

  it("a redirect to itself is one request, not a loop", async () => {
    const server = await scriptedServer((req) =>
      respond(req.socket, 302, { Location: req.target }),
    );
    try {
      const client = new KubeClient({ server: server.url, token: CANARY, clock: new FakeClock() });
      await assert.rejects(
        client.get(ConfigMaps, "a", { namespace: "default" }),
        (err: unknown) => {
          return err instanceof ApiError && err.code === 302 && err.reason === "Redirect";
        },
      );
      assert.equal(server.requests.length, 1);
    } finally {
      await server.close();
    }
  });
});

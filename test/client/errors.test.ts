import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ApiError,
  apiErrorFromResponse,
  isGone,
  isRetryable,
  NetworkError,
  parseRetryAfter,
  safeUrl,
  TimeoutError,
  ValidationError,
  WatchDecodeError,
} from "../../src/client/errors.ts";

describe("errors", () => {
  it("parses a Status body", async () => {
    const res = new Response(
      JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        message: 'configmaps "x" not found',
        reason: "NotFound",
        code: 404,
        details: { name: "x", kind: "configmaps" },
      }),
      { status: 404, headers: { "content-type": "application/json" } },
    );
    const err = await apiErrorFromResponse(
      res,
      "GET",
      "https://k8s/api/v1/namespaces/default/configmaps/x",
    );
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 404);
    assert.equal(err.reason, "NotFound");
    assert.equal(err.status?.details?.name, "x");
    assert.match(
      err.message,
      /GET https:\/\/k8s\/api\/v1\/namespaces\/default\/configmaps\/x: 404 NotFound/,
    );
  });

  it("parses a plain-text 429 with Retry-After", async () => {
    const res = new Response("Too many requests, please try again later.\n", {
      status: 429,
      headers: { "retry-after": "7", "content-type": "text/plain" },
    });
    const err = await apiErrorFromResponse(res, "GET", "https://k8s/api/v1/pods");
    assert.equal(err.code, 429);
    assert.equal(err.reason, "TooManyRequests");
    assert.equal(err.retryAfter, 7);
    assert.equal(err.status, undefined);
    assert.ok(isRetryable(err));
  });

  it("copes with empty, non-Status JSON and broken JSON bodies", async () => {
    const empty = await apiErrorFromResponse(
      new Response(null, { status: 503 }),
      "GET",
      "https://k8s/x",
    );
    assert.equal(empty.reason, "ServiceUnavailable");
    const other = await apiErrorFromResponse(
      new Response('{"error":"x"}', { status: 500 }),
      "GET",
      "https://k8s/x",
    );
    assert.equal(other.reason, "InternalError");
    assert.match(other.message, /"error":"x"/);
    const broken = await apiErrorFromResponse(
      new Response('{"kind":"Sta', { status: 502 }),
      "GET",
      "https://k8s/x",
    );
    assert.equal(broken.code, 502);
    const retry = await apiErrorFromResponse(
      new Response(
        JSON.stringify({
          kind: "Status",
          code: 500,
          reason: "InternalError",
          details: { retryAfterSeconds: 3 },
        }),
        {
          status: 500,
        },
      ),
      "GET",
      "https://k8s/x",
    );
    assert.equal(retry.retryAfter, 3);
  });

  it("parses Retry-After dates", () => {
    assert.equal(parseRetryAfter("120"), 120);
    assert.equal(parseRetryAfter(new Date(10_000 + 5000).toUTCString(), 10_000), 5);
    assert.equal(parseRetryAfter("soon"), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });

  it("parses Retry-After in every form RFC 9110 allows, and nothing else", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    const cases: [string, number | undefined][] = [
      ["0", 0],
      [" 7 ", 7],
      ["3000000", 3_000_000], // 34 days: parsed as sent, capped by whoever waits
      ["Wed, 21 Oct 2015 07:28:10 GMT", 10], // IMF-fixdate
      ["Wednesday, 21-Oct-15 07:28:10 GMT", 10], // obsolete RFC 850
      ["Wed Oct 21 07:28:10 2015", 10], // obsolete asctime
      ["Wed Oct  1 07:28:10 2015", 0], // in the past
      ["Mon, 01 Jan 1990 00:00:00 GMT", 0],
      ["-5", undefined],
      ["1.5", undefined],
      ["1e3", undefined],
      ["99999999999999999999999", undefined], // beyond Number.MAX_SAFE_INTEGER
      ["Sat, 31 Feb 2015 07:28:10 GMT", undefined], // no such day
      ["2015-10-21T07:28:10Z", undefined], // not an HTTP date
      ["1", 1],
      ["", undefined],
    ];
    for (const [value, want] of cases) assert.equal(parseRetryAfter(value, now), want, value);
  });

  it("takes retryAfterSeconds from a Status only when it is a number >= 0", async () => {
    const status = (retryAfterSeconds: unknown) => ({
      kind: "Status",
      code: 429,
      reason: "TooManyRequests",
      details: { retryAfterSeconds },
    });
    assert.equal(ApiError.fromStatus(status(5) as never).retryAfter, 5);
    assert.equal(ApiError.fromStatus(status(-5) as never).retryAfter, undefined);
    assert.equal(ApiError.fromStatus(status(1.2) as never).retryAfter, 2);
    const res = new Response(JSON.stringify(status(-1)), { status: 429 });
    assert.equal((await apiErrorFromResponse(res, "GET", "https://k8s/x")).retryAfter, undefined);
    const withHeader = new Response(JSON.stringify(status(9)), {
      status: 429,
      headers: { "Retry-After": "garbage" },
    });
    assert.equal((await apiErrorFromResponse(withHeader, "GET", "https://k8s/x")).retryAfter, 9);
  });

  it("reads at most 64 KiB of an error body, however long it is", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(ctl) {
        pulled += 16 * 1024;
        ctl.enqueue(new Uint8Array(16 * 1024).fill(0x61));
      },
    });
    const err = await apiErrorFromResponse(
      new Response(endless, { status: 503 }),
      "GET",
      "https://k8s/x",
    );
    assert.equal(err.code, 503);
    assert.ok(pulled <= 128 * 1024, `read ${pulled} bytes of an endless body`);
    assert.ok(err.message.length < 2000);
  });

  it("isGone treats Expired and Gone alike, for errors and Status objects", () => {
    const expired = new ApiError({
      code: 410,
      reason: "Expired",
      message: "",
      method: "GET",
      url: "",
    });
    const gone = new ApiError({ code: 410, reason: "Gone", message: "", method: "GET", url: "" });
    assert.ok(isGone(expired));
    assert.ok(isGone(gone));
    assert.ok(isGone({ kind: "Status", code: 410, reason: "Expired" }));
    assert.ok(
      !isGone(new ApiError({ code: 404, reason: "NotFound", message: "", method: "GET", url: "" })),
    );
    assert.ok(!isGone(new Error("x")));
    assert.ok(
      isGone(
        ApiError.fromStatus({ code: 410, reason: "Expired", message: "too old resource version" }),
      ),
    );
  });

  it("classifies retryable errors", () => {
    const mk = (code: number) =>
      new ApiError({ code, reason: "", message: "", method: "GET", url: "" });
    assert.ok(isRetryable(mk(500)));
    assert.ok(isRetryable(mk(503)));
    assert.ok(isRetryable(mk(429)));
    assert.ok(!isRetryable(mk(501)));
    assert.ok(!isRetryable(mk(404)));
    assert.ok(!isRetryable(mk(409)));
    assert.ok(isRetryable(new NetworkError("GET", "https://k8s", new TypeError("fetch failed"))));
    assert.ok(isRetryable(new TimeoutError("GET", "https://k8s", 10)));
    assert.ok(isRetryable(new WatchDecodeError("truncated", 1, "x")));
    assert.ok(!isRetryable(new WatchDecodeError("line-too-long", 1, "x")));
    assert.ok(!isRetryable(new DOMException("aborted", "AbortError")));
  });

  it("ValidationError says kind, key and path", () => {
    const err = new ValidationError(
      "Pod",
      { metadata: { name: "web", namespace: "default" } },
      [
        {
          code: "invalid_type",
          expected: "string",
          path: ["spec", "containers", 0, "name"],
          message: "expected string",
          input: 1,
        },
      ] as never,
      "LIST https://k8s/api/v1/pods",
    );
    assert.equal(err.key, "default/web");
    assert.equal(err.kind, "Pod");
    assert.match(
      err.message,
      /invalid Pod default\/web in LIST .*: spec\.containers\.0\.name: expected string/,
    );
  });

  it("safeUrl strips credentials", () => {
    assert.equal(safeUrl("https://user:pass@k8s:6443/api?x=1"), "https://k8s:6443/api?x=1");
  });
});

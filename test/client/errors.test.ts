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

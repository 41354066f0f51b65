import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WatchDecodeError } from "../../src/client/errors.ts";
import { decodeWatchChunks, decodeWatchStream, WatchLineDecoder } from "../../src/client/watch.ts";

const enc = new TextEncoder();

function ev(type: string, name: string): string {
  return `${JSON.stringify({ type, object: { metadata: { name } } })}\n`;
}

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(ch);
      c.close();
    },
  });
}

describe("watch decoder", () => {
  it("decodes events in one chunk", () => {
    const out = decodeWatchChunks([enc.encode(ev("ADDED", "a") + ev("DELETED", "b"))]);
    assert.deepEqual(
      out.map((e) => [e.type, (e.object as { metadata: { name: string } }).metadata.name]),
      [
        ["ADDED", "a"],
        ["DELETED", "b"],
      ],
    );
  });

  it("handles events split at every byte boundary", () => {
    const bytes = enc.encode(ev("ADDED", "a") + ev("MODIFIED", "b") + ev("DELETED", "c"));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const out = decodeWatchChunks([bytes.subarray(0, cut), bytes.subarray(cut)]);
      assert.equal(out.length, 3, `cut at ${cut}`);
    }
    const single = [...bytes].map((b) => new Uint8Array([b]));
    assert.equal(decodeWatchChunks(single).length, 3);
  });

  it("handles multi-byte UTF-8 split across chunks", () => {
    const name = "ünïcødé-日本語-🚀";
    const bytes = enc.encode(ev("ADDED", name));
    for (let cut = 1; cut < bytes.length; cut++) {
      const [e] = decodeWatchChunks([bytes.subarray(0, cut), bytes.subarray(cut)]);
      assert.equal(
        (e!.object as { metadata: { name: string } }).metadata.name,
        name,
        `cut at ${cut}`,
      );
    }
  });

  it("skips blank lines and CRLF", () => {
    const out = decodeWatchChunks([
      enc.encode(`\n${ev("ADDED", "a").replace("\n", "\r\n")}\n  \n`),
    ]);
    assert.equal(out.length, 1);
  });

  it("refuses a line longer than maxLineBytes with a typed error", () => {
    const big = `{"type":"ADDED","object":{"metadata":{"name":"${"x".repeat(2000)}"}}}\n`;
    assert.throws(
      () => decodeWatchChunks([enc.encode(big)], { maxLineBytes: 1000 }),
      (err: unknown) =>
        err instanceof WatchDecodeError && err.kind === "line-too-long" && err.line === 1,
    );
    // also when the line arrives in small chunks and never ends
    const dec = new WatchLineDecoder({ maxLineBytes: 100 });
    assert.throws(
      () => {
        for (let i = 0; i < 50; i++) dec.push(enc.encode("xxxxxxxxxx"));
      },
      (err: unknown) => err instanceof WatchDecodeError && err.kind === "line-too-long",
    );
    // a line of exactly the bound is fine
    const line = ev("ADDED", "a");
    const exact = enc.encode(line).length - 1;
    assert.equal(decodeWatchChunks([enc.encode(line)], { maxLineBytes: exact }).length, 1);
  });

  it("reports a truncated last line, distinct from a clean end", () => {
    const whole = ev("ADDED", "a");
    assert.doesNotThrow(() => decodeWatchChunks([enc.encode(whole)]));
    assert.throws(
      () => decodeWatchChunks([enc.encode(whole + whole.slice(0, 20))]),
      (err: unknown) =>
        err instanceof WatchDecodeError && err.kind === "truncated" && err.line === 2,
    );
    // complete JSON without the final newline still counts as truncated
    assert.throws(
      () => decodeWatchChunks([enc.encode(whole.trimEnd())]),
      (err: unknown) => err instanceof WatchDecodeError && err.kind === "truncated",
    );
  });

  it("rejects lines that are not JSON or not events", () => {
    assert.throws(
      () => decodeWatchChunks([enc.encode("not json\n")]),
      (err: unknown) => err instanceof WatchDecodeError && err.kind === "invalid-json",
    );
    assert.throws(
      () => decodeWatchChunks([enc.encode('{"kind":"Status"}\n')]),
      (err: unknown) => err instanceof WatchDecodeError && err.kind === "invalid-event",
    );
  });

  it("refuses invalid UTF-8 instead of replacing it", () => {
    const line = enc.encode('{"type":"ADDED","object":{"metadata":{"name":"aXb"}}}\n');
    line[line.indexOf(0x58)] = 0xff;
    assert.throws(
      () => decodeWatchChunks([line]),
      (err: unknown) =>
        err instanceof WatchDecodeError && err.kind === "invalid-utf8" && err.line === 1,
    );
    // a stream cut inside a multi-byte character is a truncation
    const cut = enc.encode('{"type":"ADDED","object":{"metadata":{"name":"日"}}}');
    assert.throws(
      () => decodeWatchChunks([cut.subarray(0, cut.indexOf(0xe6) + 1)]),
      (err: unknown) => err instanceof WatchDecodeError && err.kind === "truncated",
    );
  });

  it("decodes a ReadableStream incrementally and reports truncation", async () => {
    const bytes = enc.encode(ev("ADDED", "a") + ev("ADDED", "b"));
    const types: string[] = [];
    for await (const e of decodeWatchStream(streamOf([bytes.subarray(0, 7), bytes.subarray(7)])))
      types.push(e.type);
    assert.deepEqual(types, ["ADDED", "ADDED"]);
    const truncated = streamOf([enc.encode(`${ev("ADDED", "a")}{"type":"ADD`)]);
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of decodeWatchStream(truncated)) seen.push(e.type);
      })(),
      (err: unknown) => err instanceof WatchDecodeError && err.kind === "truncated",
    );
    assert.deepEqual(seen, ["ADDED"]);
  });

  it("cancels the stream when iteration stops early", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(enc.encode(ev("ADDED", "x")));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _ of decodeWatchStream(stream)) break;
    assert.equal(cancelled, true);
  });
});

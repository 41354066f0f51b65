// Property-based tests of the watch decoder (src/client/watch.ts): any split of
// a valid stream into chunks (including inside multi-byte UTF-8 sequences)
// gives the same events; a corrupted stream gives a typed WatchDecodeError,
// and every event delivered before the error is a true event (a prefix of the
// real ones), never a wrong one.
//
// Reproduce a failure: the fast-check output prints `seed` and `path`; pass
// them as FC_SEED / FC_PATH (see docs/reliability.md).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { WatchDecodeError } from "../../src/client/errors.ts";
import { decodeWatchChunks, type RawWatchEvent, WatchLineDecoder } from "../../src/client/watch.ts";
import { fcParams } from "./support.ts";

const enc = new TextEncoder();

/** Strings drawn from the whole Unicode range (1-4 byte UTF-8), with JSON-special characters. */
const text = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: fc.constantFrom("a", "é", "€", "😀", "\\", '"', "\n", "\u2028", "{", "}") }),
);

const event: fc.Arbitrary<RawWatchEvent> = fc
  .record({
    type: fc.constantFrom("ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"),
    object: fc.record({
      metadata: fc.record({ name: text, resourceVersion: fc.nat().map(String) }),
      data: fc.dictionary(text, text, { maxKeys: 4 }),
    }),
  })
  .map((e) => JSON.parse(JSON.stringify(e)) as RawWatchEvent); // plain objects, as JSON.parse makes

function encodeEvents(events: readonly RawWatchEvent[]): Uint8Array {
  return enc.encode(events.map((e) => `${JSON.stringify(e)}\n`).join(""));
}

/** Split `bytes` at the given cut points (any byte offsets, sorted and deduplicated here). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  out.push(bytes.slice(prev));
  return out;
}

/** Byte offsets of the end of each line (the index of its `\n`). */
function lineEnds(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.byteLength; i++) if (bytes[i] === 0x0a) out.push(i);
  return out;
}

interface Outcome {
  events: RawWatchEvent[];
  error: WatchDecodeError | undefined;
}

/**
 * Decode chunk by chunk, keeping the events delivered before a failure. (Events
 * completed by the same chunk as the failing line are not delivered: `push`
 * throws instead of returning them. The reflector then resumes from the last
 * applied resource version, so nothing is lost; the error's `line` pins where
 * the failure is.)
 */
function decodeKeepingPrefix(chunks: readonly Uint8Array[], maxLineBytes?: number): Outcome {
  const events: RawWatchEvent[] = [];
  const dec = new WatchLineDecoder(maxLineBytes === undefined ? {} : { maxLineBytes });
  try {
    for (const c of chunks) events.push(...dec.push(c));
    dec.end();
  } catch (err) {
    if (!(err instanceof WatchDecodeError)) throw err;
    return { events, error: err };
  }
  // the one-shot helper agrees with the incremental decoder
  assert.deepEqual(
    decodeWatchChunks(chunks, maxLineBytes === undefined ? {} : { maxLineBytes }),
    events,
  );
  return { events, error: undefined };
}

function assertPrefix(got: readonly RawWatchEvent[], all: readonly RawWatchEvent[]): void {
  assert.ok(got.length <= all.length, `more events than sent: ${got.length} > ${all.length}`);
  assert.deepEqual(got, all.slice(0, got.length));
}

describe("watch decoder: chunk splits (property)", () => {
  it("any split of a valid stream gives the same events", () => {
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 0, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (events, cuts) => {
          const bytes = encodeEvents(events);
          const got = decodeWatchChunks(split(bytes, cuts));
          assert.deepEqual(got, events);
        },
      ),
      fcParams(300),
    );
  });

  it("byte-by-byte delivery (every multi-byte character split) gives the same events", () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 4 }), (events) => {
        const bytes = encodeEvents(events);
        const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
        assert.deepEqual(decodeWatchChunks(chunks), events);
      }),
      fcParams(60),
    );
  });

  it("blank and whitespace-only lines between events are skipped, wherever the splits fall", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(event, fc.constantFrom("", " ", "\r", "\t ")), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (pairs, cuts) => {
          const s = pairs.map(([e, pad]) => `${pad}\n${JSON.stringify(e)}\n`).join("");
          const got = decodeWatchChunks(split(enc.encode(s), cuts));
          assert.deepEqual(
            got,
            pairs.map(([e]) => e),
          );
        },
      ),
      fcParams(150),
    );
  });
});

describe("watch decoder: corruption gives a typed error, never a wrong event (property)", () => {
  const stream = fc.array(event, { minLength: 1, maxLength: 6 });
  const cuts = fc.array(fc.nat(), { maxLength: 20 });

  it("a stream cut inside a line: the complete lines, then `truncated`", () => {
    fc.assert(
      fc.property(stream, fc.nat(), cuts, (events, at, cs) => {
        const bytes = encodeEvents(events);
        const ends = lineEnds(bytes);
        // a cut point that is not right after a newline
        const candidates: number[] = [];
        for (let i = 1; i < bytes.byteLength; i++) if (bytes[i - 1] !== 0x0a) candidates.push(i);
        const cut = candidates[at % candidates.length]!;
        const r = decodeKeepingPrefix(split(bytes.slice(0, cut), cs));
        assert.ok(r.error, "no error for a truncated stream");
        assert.equal(r.error.kind, "truncated");
        const complete = ends.filter((e) => e < cut).length;
        assert.equal(r.error.line, complete + 1);
        assertPrefix(r.events, events.slice(0, complete));
      }),
      fcParams(200),
    );
  });

  it("two lines run together (a lost newline): `invalid-json` at that line", () => {
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 2, maxLength: 6 }),
        fc.nat(),
        cuts,
        (events, which, cs) => {
          const bytes = encodeEvents(events);
          const ends = lineEnds(bytes);
          const drop = which % (ends.length - 1); // not the final newline
          const corrupted = new Uint8Array(bytes.byteLength - 1);
          corrupted.set(bytes.subarray(0, ends[drop]!));
          corrupted.set(bytes.subarray(ends[drop]! + 1), ends[drop]!);
          const r = decodeKeepingPrefix(split(corrupted, cs));
          assert.ok(r.error, "no error for two lines joined");
          assert.equal(r.error.kind, "invalid-json");
          assert.equal(r.error.line, drop + 1);
          assertPrefix(r.events, events.slice(0, drop));
        },
      ),
      fcParams(200),
    );
  });

  it("a line that is JSON but not a watch event: `invalid-event`", () => {
    const notEvent = fc.constantFrom(
      "[]",
      '"ADDED"',
      "42",
      "null",
      "{}",
      '{"type":"ADDED"}',
      '{"type":"ADDED","object":null}',
      '{"type":"ADDED","object":"x"}',
      '{"type":7,"object":{}}',
      '{"object":{"metadata":{}}}',
    );
    fc.assert(
      fc.property(stream, fc.nat(), notEvent, cuts, (events, where, bad, cs) => {
        const at = where % (events.length + 1);
        const lines = events.map((e) => JSON.stringify(e));
        lines.splice(at, 0, bad);
        const r = decodeKeepingPrefix(split(enc.encode(`${lines.join("\n")}\n`), cs));
        assert.ok(r.error, `accepted ${bad}`);
        assert.equal(r.error.kind, "invalid-event");
        assert.equal(r.error.line, at + 1);
        assertPrefix(r.events, events.slice(0, at));
      }),
      fcParams(200),
    );
  });

  it("a line over maxLineBytes: `line-too-long`, bounded memory, earlier events intact", () => {
    fc.assert(
      fc.property(
        stream,
        fc.nat(),
        fc.integer({ min: 1, max: 3 }),
        cuts,
        (events, where, factor, cs) => {
          const at = where % (events.length + 1);
          const max = 256;
          const huge = {
            type: "ADDED",
            object: { metadata: { name: "huge" }, data: { x: "y".repeat(max * factor) } },
          };
          const all = [...events];
          all.splice(at, 0, huge);
          const small = events.every((e) => enc.encode(JSON.stringify(e)).byteLength <= max);
          fc.pre(small);
          const r = decodeKeepingPrefix(split(encodeEvents(all), cs), max);
          assert.ok(r.error, "no error for a huge line");
          assert.equal(r.error.kind, "line-too-long");
          assert.equal(r.error.line, at + 1);
          assertPrefix(r.events, events.slice(0, at));
        },
      ),
      fcParams(150),
    );
  });

  it("a huge line of 20 MiB against the default 16 MiB bound is refused", () => {
    const dec = new WatchLineDecoder();
    const chunk = new Uint8Array(1024 * 1024).fill(0x61);
    assert.throws(
      () => {
        for (let i = 0; i < 20; i++) dec.push(chunk);
      },
      (err: unknown) =>
        err instanceof WatchDecodeError && err.kind === "line-too-long" && err.line === 1,
    );
  });

  const badUtf8 = fc.constantFrom([0xff], [0xc0, 0xaf], [0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80]);

  /** `events` encoded, with `bad` inserted `offset` bytes into line `line` (0-based). */
  function corruptLine(
    events: RawWatchEvent[],
    line: number,
    offset: number,
    bad: readonly number[],
  ): Uint8Array {
    const bytes = encodeEvents(events);
    const ends = lineEnds(bytes);
    const start = line === 0 ? 0 : ends[line - 1]! + 1;
    const at = start + (offset % (ends[line]! - start));
    const out = new Uint8Array(bytes.byteLength + bad.length);
    out.set(bytes.subarray(0, at));
    out.set(bad, at);
    out.set(bytes.subarray(at), at + bad.length);
    return out;
  }

  it("invalid UTF-8 anywhere in a line (between tokens or inside a string): `invalid-utf8`", () => {
    fc.assert(
      fc.property(stream, fc.nat(), fc.nat(), badUtf8, cuts, (events, where, offset, bad, cs) => {
        const line = where % events.length;
        const r = decodeKeepingPrefix(split(corruptLine(events, line, offset, bad), cs));
        assert.ok(r.error instanceof WatchDecodeError, "no error for invalid UTF-8");
        assert.equal(r.error.kind, "invalid-utf8");
        assert.equal(r.error.line, line + 1);
        assertPrefix(r.events, events.slice(0, line));
      }),
      fcParams(200),
    );
  });

  it("invalid UTF-8 inside a string value never becomes U+FFFD in an event", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }), fc.nat(), badUtf8, (name, at, bad) => {
        const safe = enc.encode(name.replace(/["\\\n]/g, "x"));
        const cut = at % (safe.byteLength + 1);
        const line = new Uint8Array([
          ...enc.encode('{"type":"ADDED","object":{"metadata":{"name":"'),
          ...safe.subarray(0, cut),
          ...bad,
          ...safe.subarray(cut),
          ...enc.encode('"}}}\n'),
        ]);
        assert.throws(
          () => decodeWatchChunks([line]),
          (err: unknown) => err instanceof WatchDecodeError && err.kind === "invalid-utf8",
        );
      }),
      fcParams(150),
    );
  });
});

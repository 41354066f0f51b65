// Watch events in batches (one per chunk of the stream) and managedFields left out before parsing, through
// KubeClient with a scripted fetch: the same events, in the same order, with the same errors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeClient } from "../../src/client/client.ts";
import { ValidationError } from "../../src/client/errors.ts";
import { decodeWatchBatches, decodeWatchStream } from "../../src/client/watch.ts";
import { ConfigMaps, type Pod, Pods } from "../../src/resources/mod.ts";

const enc = new TextEncoder();
const MF = [{ manager: "kubelet", operation: "Update", fieldsV1: { "f:status": { ".": {} } } }];

/** A body that delivers exactly these chunks, one per read. */
function chunked(chunks: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(enc.encode(chunks[i++]!));
      else c.close();
    },
  });
}

function client(respond: (url: URL) => Response): KubeClient {
  const f = async (input: RequestInfo | URL): Promise<Response> =>
    respond(new URL(input instanceof Request ? input.url : String(input)));
  return new KubeClient({ server: "http://k.invalid", fetch: f as typeof fetch, rateLimit: false });
}

const line = (type: string, name: string, extra: Record<string, unknown> = {}): string =>
  `${JSON.stringify({ type, object: { metadata: { name, namespace: "ns", resourceVersion: name.slice(1) }, ...extra } })}\n`;

/** The object name of a watch event (any type). */
const nameOf = (e: { object: unknown }): string =>
  (e.object as { metadata: { name: string } }).metadata.name;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("watch batches", () => {
  it("one batch per chunk, in order, never empty; watch() yields the same events one by one", async () => {
    const l = [
      line("ADDED", "a1"),
      line("MODIFIED", "a2"),
      line("ADDED", "b3"),
      line("DELETED", "a4"),
    ];
    const chunks = [
      l[0]! + l[1]! + l[2]!.slice(0, 10), // two whole events and a piece
      l[2]!.slice(10, 20), // no event completed: no batch
      l[2]!.slice(20) + l[3]!,
    ];
    const batches = await collect(
      client(() => new Response(chunked(chunks))).watchBatches(ConfigMaps, {}),
    );
    assert.deepEqual(
      batches.map((b) => b.map((e) => `${e.type} ${nameOf(e)}`)),
      [
        ["ADDED a1", "MODIFIED a2"],
        ["ADDED b3", "DELETED a4"],
      ],
    );
    const single = await collect(client(() => new Response(chunked(chunks))).watch(ConfigMaps, {}));
    assert.deepEqual(single, batches.flat());
  });

  it("an invalid event: the events before it in its chunk are delivered first, then the error", async () => {
    const bad = `${JSON.stringify({ type: "ADDED", object: { metadata: { name: 7 } } })}\n`;
    const body = line("ADDED", "a1") + line("ADDED", "a2") + bad + line("ADDED", "a3");
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const batch of client(() => new Response(chunked([body]))).watchBatches(
        ConfigMaps,
        {},
      )) {
        for (const ev of batch) seen.push(nameOf(ev));
      }
    }, ValidationError);
    assert.deepEqual(seen, ["a1", "a2"]);
    // with onInvalid the bad one is reported and skipped, the rest of the chunk goes on
    const reported: string[] = [];
    const all = await collect(
      client(() => new Response(chunked([body]))).watchBatches(ConfigMaps, {
        onInvalid: (err) => reported.push(err.kind),
      }),
    );
    assert.deepEqual(
      all.map((b) => b.map(nameOf)),
      [["a1", "a2", "a3"]],
    );
    assert.deepEqual(reported, ["ConfigMap"]);
  });

  it("the decoder: a bad line throws after the batch of the lines before it", async () => {
    const body = `${line("ADDED", "a1")}{"not json\n${line("ADDED", "a2")}`;
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const batch of decodeWatchBatches(chunked([body])))
        for (const ev of batch)
          seen.push((ev.object as { metadata: { name: string } }).metadata.name);
    }, /not JSON/);
    assert.deepEqual(seen, ["a1"]);
    const one: string[] = [];
    await assert.rejects(async () => {
      for await (const ev of decodeWatchStream(chunked([body])))
        one.push((ev.object as { metadata: { name: string } }).metadata.name);
    }, /not JSON/);
    assert.deepEqual(one, ["a1"]);
  });
});

describe("dropManagedFields", () => {
  const pod = (name: string, extra: Record<string, unknown> = {}): Pod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ns", resourceVersion: "5", managedFields: MF } as Pod["metadata"],
    spec: { containers: [{ name: "c", image: "i" }] },
    ...extra,
  });

  it("list: items come without metadata.managedFields, everything else as sent", async () => {
    const items = [
      pod("a"),
      pod("b", { status: { managedFields: "a status field of that name" } }),
    ];
    const body = JSON.stringify({
      kind: "PodList",
      apiVersion: "v1",
      metadata: { resourceVersion: "9" },
      items,
    });
    const c = client(() => new Response(body));
    const plain = await c.list(Pods, {});
    assert.deepEqual(plain.items[0]!.metadata.managedFields, MF);
    const dropped = await c.list(Pods, { dropManagedFields: true });
    assert.equal(dropped.metadata.resourceVersion, "9");
    for (const [i, p] of dropped.items.entries()) {
      assert.equal("managedFields" in p.metadata, false);
      const { managedFields: _, ...rest } = items[i]!.metadata;
      assert.deepEqual(p.metadata, rest);
      assert.deepEqual(p.spec, items[i]!.spec);
    }
    assert.deepEqual((dropped.items[1] as unknown as { status: unknown }).status, {
      managedFields: "a status field of that name",
    });
  });

  it("watch and watchBatches: event objects come without metadata.managedFields", async () => {
    const body =
      `${JSON.stringify({ type: "ADDED", object: pod("a") })}\n` +
      `${JSON.stringify({ type: "BOOKMARK", object: { kind: "Pod", metadata: { resourceVersion: "6" } } })}\n` +
      `${JSON.stringify({ type: "MODIFIED", object: pod("a", { spec: { containers: [], managedFields: [1] } }) })}\n`;
    for (const drop of [true, false]) {
      const evs = await collect(
        client(() => new Response(chunked([body]))).watch(Pods, { dropManagedFields: drop }),
      );
      assert.deepEqual(
        evs.map((e) => e.type),
        ["ADDED", "BOOKMARK", "MODIFIED"],
      );
      const meta = (i: number): Record<string, unknown> =>
        (evs[i]!.object as unknown as { metadata: Record<string, unknown> }).metadata;
      assert.equal("managedFields" in meta(0), !drop);
      assert.equal(meta(1).resourceVersion, "6");
      assert.deepEqual((evs[2]!.object as unknown as { spec: unknown }).spec, {
        containers: [],
        managedFields: [1],
      });
    }
  });
});

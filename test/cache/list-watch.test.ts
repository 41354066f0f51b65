// The list-and-watch state machine, one transition at a time, with a scripted
// I/O object instead of a server: every relist, resume and fallback is a
// transition whose next phase and event are checked here.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StreamingListTimeoutError, WatchStalledError } from "../../src/cache/errors.ts";
import {
  type ListWatchEvent,
  type ListWatchIO,
  type ListWatchPageRequest,
  type ListWatchState,
  type ListWatchStep,
  type ListWatchWatchRequest,
  listWatchStep,
} from "../../src/cache/list-watch.ts";
import { emptyStats, type ReflectorStats } from "../../src/cache/reflector.ts";
import { ApiError } from "../../src/client/errors.ts";
import type { ConfigMap } from "../../src/resources/core.ts";
import type { ObjectList, WatchEvent } from "../../src/resources/meta.ts";

type Scripted<V> = V | Error;
type WatchScript = Scripted<WatchEvent<ConfigMap> | "end">[];

/** A ListWatchIO that plays back scripted pages and watch events and records the requests. */
class ScriptIO implements ListWatchIO<ConfigMap> {
  readonly kind = "ConfigMap";
  pageSize = 500;
  streamingList = false;
  readonly stats: ReflectorStats = emptyStats();
  time = 0;
  timeout = 450;
  readonly pages: Scripted<ObjectList<ConfigMap>>[] = [];
  readonly watches: WatchScript[] = [];
  readonly calls: string[] = [];
  invalidFromClient: string[] = [];
  open: WatchScript | undefined;
  streamingEnded = 0;

  now(): number {
    return this.time;
  }
  watchTimeoutSeconds(): number {
    return this.timeout;
  }
  async list(request: ListWatchPageRequest): Promise<ObjectList<ConfigMap>> {
    this.calls.push(
      request.continue !== undefined
        ? `list continue=${request.continue}`
        : `list rv=${request.resourceVersion}`,
    );
    const next = this.pages.shift();
    if (next === undefined) throw new Error("no page scripted");
    if (next instanceof Error) throw next;
    return next;
  }
  openWatch(request: ListWatchWatchRequest): void {
    this.calls.push(
      request.streamingList
        ? `stream timeout=${request.timeoutSeconds}`
        : `watch rv=${request.resourceVersion} timeout=${request.timeoutSeconds}`,
    );
    this.open = this.watches.shift() ?? [];
  }
  async next(): Promise<IteratorResult<WatchEvent<ConfigMap>>> {
    assert.ok(this.open, "next() without an open watch");
    const item = this.open.shift() ?? "end";
    if (item instanceof Error) throw item;
    if (item === "end") return { done: true, value: undefined };
    return { done: false, value: item };
  }
  streamingListEnded(): void {
    this.streamingEnded++;
  }
  closeWatch(): void {
    if (this.open) this.calls.push("close");
    this.open = undefined;
  }
  accept(raw: unknown): ConfigMap | undefined {
    const obj = raw as ConfigMap;
    return obj.metadata?.name?.startsWith("bad") ? undefined : obj;
  }
  takeInvalidKeys(): string[] {
    const keys = this.invalidFromClient;
    this.invalidFromClient = [];
    return keys;
  }
}

function cm(name: string, rv = "1"): ConfigMap {
  return { metadata: { name, namespace: "default", resourceVersion: rv } };
}

function list(items: ConfigMap[], rv: string, cont?: string): ObjectList<ConfigMap> {
  return { metadata: { resourceVersion: rv, ...(cont ? { continue: cont } : {}) }, items };
}

function status(code: number, reason: string, message = "x"): ApiError {
  return ApiError.fromStatus(
    { kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message },
    "LIST",
  );
}

function throttle(retryAfter: number): ApiError {
  return new ApiError({
    code: 429,
    reason: "TooManyRequests",
    message: "slow down",
    method: "GET",
    url: "http://fake/api/v1/configmaps",
    retryAfter,
  });
}

function failureOf(
  step: ListWatchStep<ConfigMap>,
): Extract<ListWatchEvent<ConfigMap>, { type: "failure" }> {
  assert.equal(step.event?.type, "failure", JSON.stringify(step.event));
  return step.event as Extract<ListWatchEvent<ConfigMap>, { type: "failure" }>;
}

const empty = (consistent = false): ListWatchState<ConfigMap> => ({ phase: "empty", consistent });
const listed = (rv: string | undefined, afterList = false): ListWatchState<ConfigMap> => ({
  phase: "listed",
  resourceVersion: rv,
  afterList,
});

/** Run steps until the phase is `phase` (at most `max` steps); returns every step taken. */
async function runTo(
  state: ListWatchState<ConfigMap>,
  io: ScriptIO,
  phase: ListWatchState<ConfigMap>["phase"],
  max = 20,
): Promise<{ state: ListWatchState<ConfigMap>; steps: ListWatchStep<ConfigMap>[] }> {
  const steps: ListWatchStep<ConfigMap>[] = [];
  let s = state;
  for (let i = 0; i < max; i++) {
    const r = await listWatchStep(s, io);
    steps.push(r);
    s = r.state;
    if (s.phase === phase) return { state: s, steps };
  }
  assert.fail(`phase ${phase} not reached in ${max} steps (at ${s.phase})`);
}

describe("list-watch transitions: list", () => {
  it("empty → paging without a request; pages until no continue token, then listed with one replace", async () => {
    const io = new ScriptIO();
    io.pages.push(list([cm("a"), cm("b")], "", "t1"), list([cm("c")], "7"));
    const first = await listWatchStep(empty(), io);
    assert.deepEqual(first.state, {
      phase: "paging",
      consistent: false,
      restarted: false,
      continue: undefined,
      items: [],
      invalidKeys: [],
    });
    assert.equal(first.event, undefined);
    assert.deepEqual(io.calls, []);
    const second = await listWatchStep(first.state, io);
    assert.equal(second.state.phase, "paging");
    assert.equal(second.event, undefined, "no event until the list is complete");
    const third = await listWatchStep(second.state, io);
    assert.deepEqual(third.state, { phase: "listed", resourceVersion: "7", afterList: true });
    assert.equal(third.event?.type, "replace");
    const ev = third.event as Extract<ListWatchEvent<ConfigMap>, { type: "replace" }>;
    assert.deepEqual(
      ev.objects.map((o) => o.metadata.name),
      ["a", "b", "c"],
    );
    assert.equal(ev.resourceVersion, "7");
    assert.deepEqual(io.calls, ["list rv=0", "list continue=t1"]);
    assert.equal(io.stats.pages, 2);
  });

  it('a consistent empty phase lists with resourceVersion=""', async () => {
    const io = new ScriptIO();
    io.pages.push(list([], "9"));
    await runTo(empty(true), io, "listed");
    assert.deepEqual(io.calls, ["list rv="]);
  });

  it("collects the keys of invalid objects, from the step's validation and the client's", async () => {
    const io = new ScriptIO();
    io.pages.push(list([cm("a"), cm("bad-1")], "5"));
    const paging = (await listWatchStep(empty(), io)).state;
    io.invalidFromClient = ["default/meta-bad"];
    const done = await listWatchStep(paging, io);
    const ev = done.event as Extract<ListWatchEvent<ConfigMap>, { type: "replace" }>;
    assert.deepEqual(
      ev.objects.map((o) => o.metadata.name),
      ["a"],
    );
    assert.deepEqual([...ev.invalidKeys].sort(), ["default/bad-1", "default/meta-bad"]);
  });

  it('a 410 on a page restarts the list once at once with resourceVersion=""; a second 410 is a failure after which the list stays consistent (client-go relists with resourceVersion="" until a list succeeds)', async () => {
    const io = new ScriptIO();
    io.pages.push(list([cm("a")], "", "t1"), status(410, "Expired"), status(410, "Gone"));
    let s = (await listWatchStep(empty(), io)).state;
    s = (await listWatchStep(s, io)).state; // first page
    const restart = await listWatchStep(s, io);
    assert.equal(failureOf(restart).cause, "listGone");
    assert.deepEqual(restart.state, {
      phase: "paging",
      consistent: false,
      restarted: true,
      continue: undefined,
      items: [],
      invalidKeys: [],
    });
    const again = await listWatchStep(restart.state, io);
    assert.equal(failureOf(again).cause, "failed");
    assert.deepEqual(again.state, empty(true));
    assert.deepEqual(io.calls, ["list rv=0", "list continue=t1", "list rv="]);
  });

  it('a 504 "too large resource version" on a list relists consistently; a 429 carries its Retry-After', async () => {
    const io = new ScriptIO();
    const tooLarge = status(504, "Timeout", "Too large resource version: 9, current: 1");
    const throttled = throttle(7);
    io.pages.push(tooLarge, throttled);
    const paging = (await listWatchStep(empty(), io)).state;
    const a = await listWatchStep(paging, io);
    assert.equal(failureOf(a).cause, "tooLarge");
    assert.deepEqual(a.state, empty(true));
    const b = await listWatchStep((await listWatchStep(empty(), io)).state, io);
    assert.equal(failureOf(b).cause, "failed");
    assert.equal(failureOf(b).retryAfterSeconds, 7);
    assert.equal(failureOf(b).where, "list");
    assert.deepEqual(b.state, empty(false));
  });
});

describe("list-watch transitions: watch", () => {
  it("listed → watching opens a watch from the resource version; a resume counts as a reconnect", async () => {
    const io = new ScriptIO();
    io.time = 100;
    const a = await listWatchStep(listed("7", true), io);
    assert.deepEqual(a.state, {
      phase: "watching",
      resourceVersion: "7",
      timeoutSeconds: 450,
      startedAt: 100,
      lastEventAt: 100,
      events: 0,
      progressed: false,
    });
    assert.deepEqual(io.calls, ["watch rv=7 timeout=450"]);
    assert.equal(io.stats.watches, 1);
    assert.equal(io.stats.reconnects, 0);
    await listWatchStep(listed("8", false), io);
    assert.equal(io.stats.reconnects, 1);
  });

  it("events advance the resource version; the first one is progress; bookmarks and invalid deletes become their own events", async () => {
    const io = new ScriptIO();
    io.watches.push([
      { type: "ADDED", object: cm("a", "8") },
      { type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } },
      { type: "DELETED", object: cm("bad-x", "10") },
      { type: "MODIFIED", object: cm("bad-y", "11") },
    ]);
    let s = (await listWatchStep(listed("7", true), io)).state;
    io.time = 50;
    const added = await listWatchStep(s, io);
    assert.deepEqual(added.event, { type: "apply", change: "ADDED", object: cm("a", "8") });
    assert.equal(added.progress, true);
    assert.equal(added.state.phase === "watching" && added.state.resourceVersion, "8");
    assert.equal(added.state.phase === "watching" && added.state.lastEventAt, 50);
    s = added.state;
    const bookmark = await listWatchStep(s, io);
    assert.deepEqual(bookmark.event, { type: "bookmark", resourceVersion: "9" });
    assert.equal(bookmark.progress, false);
    const del = await listWatchStep(bookmark.state, io);
    assert.deepEqual(del.event, { type: "deleteKey", key: "default/bad-x" });
    const skipped = await listWatchStep(del.state, io);
    assert.equal(skipped.event, undefined, "an invalid non-delete is skipped");
    assert.equal(skipped.state.phase === "watching" && skipped.state.resourceVersion, "11");
    assert.equal(skipped.state.phase === "watching" && skipped.state.events, 4);
    assert.equal(io.stats.bookmarks, 1);
  });

  it("a clean end resumes from the last resource version; a quick empty one is a short-watch failure", async () => {
    const io = new ScriptIO();
    io.watches.push([{ type: "ADDED", object: cm("a", "8") }, "end"], ["end"]);
    const { state, steps } = await runTo(listed("7", true), io, "listed");
    assert.deepEqual(state, listed("8"));
    assert.equal(steps.at(-1)?.event, undefined);
    io.time = 0;
    const w = (await listWatchStep(state, io)).state;
    io.time = 999;
    const short = await listWatchStep(w, io);
    assert.equal(failureOf(short).cause, "failed");
    assert.equal((failureOf(short).error as Error).name, "ShortWatchError");
    assert.deepEqual(short.state, listed("8"));
    // the same empty end after a second is fine
    io.watches.push(["end"]);
    const w2 = (await listWatchStep(short.state, io)).state;
    io.time = 2000;
    assert.equal((await listWatchStep(w2, io)).event, undefined);
  });

  it("watch failures: 410 relists consistently, 504 too large relists, a stall resumes, others retry from the same version", async () => {
    const cases: [Scripted<WatchEvent<ConfigMap>>, string, ListWatchState<ConfigMap>][] = [
      [
        { type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "old" } },
        "gone",
        empty(true),
      ],
      [status(410, "Gone"), "gone", empty(true)],
      [
        {
          type: "ERROR",
          object: {
            kind: "Status",
            code: 504,
            reason: "Timeout",
            message: "Too large resource version",
            details: { causes: [{ reason: "ResourceVersionTooLarge" }] },
          },
        },
        "tooLarge",
        empty(true),
      ],
      [new WatchStalledError("ConfigMap", 1000), "stalled", listed("7")],
      [status(500, "InternalError"), "failed", listed("7")],
      [
        { type: "ERROR", object: { kind: "Status", code: 500, reason: "InternalError" } },
        "failed",
        listed("7"),
      ],
    ];
    for (const [item, cause, next] of cases) {
      const io = new ScriptIO();
      io.watches.push([item]);
      const w = (await listWatchStep(listed("7", true), io)).state;
      const r = await listWatchStep(w, io);
      assert.equal(failureOf(r).cause, cause, JSON.stringify(item));
      assert.equal(failureOf(r).where, "watch");
      assert.deepEqual(r.state, next);
      assert.equal(io.calls.at(-1), "close", "the failed watch is closed");
    }
  });
});

describe("list-watch transitions: streaming list", () => {
  it("buffers initial events until the end bookmark, then replaces and goes on watching the same stream", async () => {
    const io = new ScriptIO();
    io.streamingList = true;
    io.watches.push([
      { type: "ADDED", object: cm("a", "3") },
      { type: "ADDED", object: cm("b", "4") },
      { type: "BOOKMARK", object: { metadata: { resourceVersion: "4" } } },
      { type: "DELETED", object: cm("b", "5") },
      {
        type: "BOOKMARK",
        object: {
          metadata: { resourceVersion: "6", annotations: { "k8s.io/initial-events-end": "true" } },
        },
      },
      { type: "ADDED", object: cm("c", "7") },
    ]);
    const started = await listWatchStep(empty(), io);
    assert.equal(started.state.phase, "streaming");
    assert.deepEqual(io.calls, ["stream timeout=450"]);
    const { state, steps } = await runTo(started.state, io, "watching");
    assert.deepEqual(
      steps.slice(0, -1).map((s) => s.event),
      [undefined, undefined, undefined, undefined],
      "nothing is applied before the end bookmark",
    );
    const end = steps.at(-1)!;
    assert.equal(end.event?.type, "replace");
    const ev = end.event as Extract<ListWatchEvent<ConfigMap>, { type: "replace" }>;
    assert.deepEqual(
      ev.objects.map((o) => o.metadata.name),
      ["a"],
    );
    assert.equal(ev.resourceVersion, "6");
    assert.equal(io.streamingEnded, 1);
    assert.equal(state.phase === "watching" && state.progressed, false);
    const live = await listWatchStep(state, io);
    assert.equal(live.event?.type, "apply");
    assert.equal(live.progress, true, "the first event after the end bookmark is progress");
    assert.deepEqual(io.calls, ["stream timeout=450"], "one request for the list and the watch");
  });

  it("falls back (unsupported) when refused, never ended or ended early; 410 relists; 429 retries", async () => {
    const cases: [WatchScript, string, boolean][] = [
      [[status(403, "Forbidden")], "unsupported", false],
      [[new StreamingListTimeoutError("ConfigMap", 30_000)], "unsupported", false],
      [[{ type: "ADDED", object: cm("a") }, "end"], "unsupported", false],
      [[status(410, "Gone")], "gone", true],
      [[throttle(3)], "failed", false],
    ];
    for (const [script, cause, consistent] of cases) {
      const io = new ScriptIO();
      io.streamingList = true;
      io.watches.push(script);
      const { steps, state } = await runTo(empty(false), io, "empty");
      const f = failureOf(steps.at(-1)!);
      assert.equal(f.cause, cause);
      assert.equal(f.where, "streaming-list");
      assert.deepEqual(state, empty(consistent));
    }
  });
});

describe("list-watch transitions: relists are transitions", () => {
  it("list → watch → 410 → consistent relist → watch, each phase read back from JSON", async () => {
    const io = new ScriptIO();
    io.pages.push(list([cm("a", "2"), cm("b", "3")], "3"), list([cm("a", "5")], "6"));
    io.watches.push(
      [
        { type: "MODIFIED", object: cm("a", "5") },
        { type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } },
      ],
      [{ type: "BOOKMARK", object: { metadata: { resourceVersion: "8" } } }],
    );
    const seen: string[] = [];
    let s: ListWatchState<ConfigMap> = empty();
    for (let i = 0; i < 10; i++) {
      const r = await listWatchStep(s, io);
      seen.push(
        `${s.phase}→${r.state.phase}${r.event ? ` ${r.event.type === "failure" ? r.event.cause : r.event.type}` : ""}`,
      );
      // a phase is data: the machine goes on from its JSON copy
      s = JSON.parse(JSON.stringify(r.state)) as ListWatchState<ConfigMap>;
    }
    assert.deepEqual(seen, [
      "empty→paging",
      "paging→listed replace",
      "listed→watching",
      "watching→watching apply",
      "watching→empty gone",
      "empty→paging",
      "paging→listed replace",
      "listed→watching",
      "watching→watching bookmark",
      "watching→listed",
    ]);
    assert.deepEqual(s, { phase: "listed", resourceVersion: "8", afterList: false });
    assert.deepEqual(io.calls, [
      "list rv=0",
      "watch rv=3 timeout=450",
      "close",
      "list rv=",
      "watch rv=6 timeout=450",
      "close",
    ]);
  });

  it("a checkpoint is a listed phase: resuming makes no list request, and a 410 on resume relists", async () => {
    const io = new ScriptIO();
    io.watches.push([{ type: "ERROR", object: { kind: "Status", code: 410, reason: "Gone" } }]);
    io.pages.push(list([cm("a", "20")], "21"));
    const { steps } = await runTo(listed("12"), io, "listed");
    assert.deepEqual(
      steps.map((s) => s.event?.type ?? "-"),
      ["-", "failure", "-", "replace"],
    );
    assert.deepEqual(io.calls, ["watch rv=12 timeout=450", "close", "list rv="]);
    assert.equal(io.stats.reconnects, 1, "the resume counts as a reconnect");
  });
});

describe("the reflector loop", () => {
  it("a sink that throws is reported and backed off; the reflector relists and goes on (run never rejects)", async () => {
    const { Reflector } = await import("../../src/cache/reflector.ts");
    const { setup, cm: configMap, eventually } = await import("./support.ts");
    const { ConfigMaps } = await import("../../src/resources/core.ts");
    const env = setup();
    env.server.create(ConfigMaps, configMap("a"));
    let replaces = 0;
    const errors: string[] = [];
    const reflector = new Reflector(
      env.client,
      ConfigMaps,
      {
        replace: () => {
          if (replaces++ === 0) throw new Error("sink broke");
        },
        apply: () => {},
      },
      {
        clock: env.clock,
        random: () => 0,
        onError: (err, info) => errors.push(`${info.phase}: ${(err as Error).message}`),
      },
    );
    const ac = new AbortController();
    const done = reflector.run(ac.signal);
    await eventually(() => reflector.stats.backoffs === 1);
    assert.deepEqual(errors, ["list: sink broke"]);
    assert.equal((reflector.lastError() as Error).message, "sink broke");
    assert.equal(reflector.state.phase, "empty");
    await env.clock.advance(800);
    await eventually(() => reflector.state.phase === "watching");
    assert.equal(replaces, 2);
    assert.equal(reflector.stats.lists, 2);
    ac.abort();
    await done;
    await env.server.close();
  });
});

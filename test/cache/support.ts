// Shared helpers for the cache tests: a real FakeApiServer + a real KubeClient.
import { KubeClient } from "../../src/client/client.ts";
import type { ConfigMap } from "../../src/resources/core.ts";
import { ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer, type FakeApiServerOptions } from "../../src/testing/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";

/** One real turn of the event loop. */
export function tick(ms = 1): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `fn` until it returns truthy (or stops throwing), with short real
 * yields, at most `tries` times. For waiting on I/O only: time-based
 * behaviour is driven with a FakeClock.
 */
export async function eventually<R>(
  fn: () => R | Promise<R>,
  opts: { tries?: number; what?: string } = {},
): Promise<R> {
  const tries = opts.tries ?? 500;
  let lastErr: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fn();
      if (r) return r;
      lastErr = undefined;
    } catch (err) {
      lastErr = err;
    }
    await tick(i < 50 ? 0 : 2);
  }
  if (lastErr) throw lastErr;
  throw new Error(`eventually: ${opts.what ?? "condition"} not met after ${tries} tries`);
}

/** A ConfigMap. */
export function cm(
  name: string,
  namespace = "default",
  data: Record<string, string> = {},
  labels?: Record<string, string>,
): ConfigMap {
  return { metadata: { name, namespace, ...(labels ? { labels } : {}) }, data };
}

export interface Env {
  server: FakeApiServer;
  client: KubeClient;
  /** The informer's clock. */
  clock: FakeClock;
  /** The fake server's own clock (bookmarks and watch timeouts only move when advanced). */
  serverClock: FakeClock;
}

/** A fake server with its own fake clock and an in-process client. */
export function setup(options: FakeApiServerOptions = {}): Env {
  const serverClock = new FakeClock();
  const server = new FakeApiServer({ clock: serverClock, ...options });
  const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
  return { server, client, clock: new FakeClock(), serverClock };
}

/** Create `n` ConfigMaps named `cm-0000`… in `namespace`. */
export function seed(server: FakeApiServer, n: number, namespace = "default"): void {
  for (let i = 0; i < n; i++)
    server.create(ConfigMaps, cm(`cm-${String(i).padStart(4, "0")}`, namespace, { i: String(i) }));
}

/** Records every handler call. */
export class Recorder<
  T extends { metadata: { name?: string | undefined; namespace?: string | undefined } },
> {
  readonly calls: string[] = [];
  readonly last = new Map<
    string,
    { type: "add" | "update" | "delete"; obj: T; finalStateUnknown?: boolean }
  >();
  readonly handler = {
    onAdd: (obj: T): void => {
      this.calls.push(`add ${keyOf(obj)}`);
      this.last.set(keyOf(obj), { type: "add", obj });
    },
    onUpdate: (_old: T, obj: T): void => {
      this.calls.push(`update ${keyOf(obj)}`);
      this.last.set(keyOf(obj), { type: "update", obj });
    },
    onDelete: (obj: T, info: { finalStateUnknown: boolean }): void => {
      this.calls.push(`delete${info.finalStateUnknown ? "?" : ""} ${keyOf(obj)}`);
      this.last.set(keyOf(obj), { type: "delete", obj, finalStateUnknown: info.finalStateUnknown });
    },
  };
  count(prefix: string): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length;
  }
}

function keyOf(obj: {
  metadata: { name?: string | undefined; namespace?: string | undefined };
}): string {
  return obj.metadata.namespace
    ? `${obj.metadata.namespace}/${obj.metadata.name}`
    : String(obj.metadata.name);
}

/** Parsed query of the server's logged requests with a given verb. */
export function requests(server: FakeApiServer, verb: "list" | "watch"): URLSearchParams[] {
  return server.requests
    .filter((r) => r.verb === verb)
    .map((r) => new URL(r.url, "http://fake").searchParams);
}

/** Paths of the server's logged requests with a given verb. */
export function paths(server: FakeApiServer, verb: "list" | "watch"): string[] {
  return server.requests
    .filter((r) => r.verb === verb)
    .map((r) => new URL(r.url, "http://fake").pathname);
}

/**
 * Wrap the real server's fetch so a test can inject a raw line into the open
 * watch responses (for an `ERROR` event in the middle of a live stream,
 * which the fake server has no fault for). Everything else is the server's.
 */
export function injectableFetch(server: FakeApiServer): {
  fetch: typeof fetch;
  inject(line: string): number;
} {
  const controllers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const enc = new TextEncoder();
  const wrapped = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const res = await server.fetch(input as Request | string | URL, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.searchParams.get("watch") !== "true" || !res.body) return res;
    const reader = res.body.getReader();
    let ctrl: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        ctrl = c;
        controllers.add(c);
      },
      pull: async (c) => {
        try {
          const { done, value } = await reader.read();
          if (done) {
            controllers.delete(c);
            c.close();
          } else c.enqueue(value);
        } catch (err) {
          controllers.delete(c);
          c.error(err);
        }
      },
      cancel: (reason) => {
        controllers.delete(ctrl);
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return {
    fetch: wrapped as typeof fetch,
    inject(line: string): number {
      for (const c of controllers) c.enqueue(enc.encode(`${line}\n`));
      return controllers.size;
    },
  };
}

// A conformance target: one API server the cases talk to over HTTP semantics. Three kinds:
//   in-process  a FakeApiServer called through its fetch handler (no sockets)
//   http        the same fake server listening on 127.0.0.1
//   real        a real kube-apiserver named by KUBELOOP_TEST_KUBECONFIG (see test/support/real.ts)
// Cases see only the wire: a base URL, an authorized fetch (admin), an unprivileged fetch, and
// per-case namespaces that are cleaned up in a way that works on a lone API server (no controllers).

import * as YAML from "yaml";
import type { ClusterConfig } from "../../../src/client/config.ts";
import { loadRuntime } from "../../../src/runtime/mod.ts";
import { FakeApiServer, type Listener } from "../../../src/testing/mod.ts";
import { FakeClock } from "../../../src/util/clock.ts";
import { type ConformanceTarget, realConfig } from "../../support/real.ts";
import { LineReader } from "../../testing/support.ts";

export { LineReader };

/** A server version, as `/version` reports it. */
export interface ServerVersion {
  major: number;
  minor: number;
  gitVersion: string;
}

/** A parsed response: status, headers and the body (JSON when it parses, else text). */
export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: cases inspect arbitrary JSON
  body: any;
  text: string;
}

/** Options of {@link Target.send}. */
export interface SendOptions {
  /** Request Content-Type (default `application/json` when there is a body). */
  contentType?: string;
  /** Accept header (default `application/json`). */
  accept?: string;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Send as the unprivileged user. */
  unprivileged?: boolean;
}

/** The etcd of the real server (its client URL, plain HTTP), for cases that compact its history. */
export const ETCD_URL_ENV = "KUBELOOP_TEST_ETCD_URL";

function envVar(name: string): string | undefined {
  const v = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[
    name
  ];
  return v === "" ? undefined : v;
}

const ADMIN_TOKEN = "conformance-admin-token";
const UNPRIV_TOKEN = "conformance-unprivileged-token";

let counter = 0;

/** A short random suffix for unique names (lower-case, DNS-1123 safe). */
export function uniqueSuffix(): string {
  counter++;
  return `${Date.now().toString(36).slice(-4)}${Math.random().toString(36).slice(2, 6)}${counter.toString(36)}`;
}

/** One API server under test. */
export class Target {
  readonly name: ConformanceTarget;
  readonly baseUrl: string;
  readonly version: ServerVersion;
  /** The fake server behind a fake target (undefined for `real`). */
  readonly fake: FakeApiServer | undefined;
  /** The fake server's clock (undefined for `real`). */
  readonly clock: FakeClock | undefined;
  readonly #admin: (path: string, init?: RequestInit) => Promise<Response>;
  readonly #unpriv: (path: string, init?: RequestInit) => Promise<Response>;
  readonly #close: () => Promise<void>;
  readonly #compact: (() => Promise<void>) | undefined;
  readonly #readers = new Set<LineReader>();

  constructor(init: {
    name: ConformanceTarget;
    baseUrl: string;
    version: ServerVersion;
    fake: FakeApiServer | undefined;
    clock?: FakeClock | undefined;
    admin: (path: string, init?: RequestInit) => Promise<Response>;
    unpriv: (path: string, init?: RequestInit) => Promise<Response>;
    close: () => Promise<void>;
    compact?: (() => Promise<void>) | undefined;
  }) {
    this.name = init.name;
    this.baseUrl = init.baseUrl;
    this.version = init.version;
    this.fake = init.fake;
    this.clock = init.clock;
    this.#admin = init.admin;
    this.#unpriv = init.unpriv;
    this.#close = init.close;
    this.#compact = init.compact;
  }

  /** Whether this is the real API server. */
  get real(): boolean {
    return this.name === "real";
  }

  /** Whether the server is at least `major.minor` (e.g. `"1.27"`). */
  atLeast(version: string): boolean {
    const [maj, min] = version.split(".").map(Number) as [number, number];
    return this.version.major > maj || (this.version.major === maj && this.version.minor >= min);
  }

  /**
   * Let `ms` of server time pass: a real sleep on the real server, a step of
   * the fake clock on the fake ones (timers due meanwhile fire).
   */
  async elapse(ms: number): Promise<void> {
    if (this.clock) {
      await this.clock.advance(ms);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /**
   * Compact the storage's history, so that continue tokens and resource
   * versions handed out so far are too old (410). The fake server compacts
   * its history; a real one needs its etcd (`KUBELOOP_TEST_ETCD_URL`), else
   * this is undefined.
   */
  get compact(): (() => Promise<void>) | undefined {
    return this.#compact;
  }

  /** A raw request as the admin user (path may carry a query). */
  fetch(path: string, init?: RequestInit): Promise<Response> {
    return this.#admin(path, init);
  }

  /** A raw request as a user without any RBAC bindings. */
  fetchUnprivileged(path: string, init?: RequestInit): Promise<Response> {
    return this.#unpriv(path, init);
  }

  /** Send a request and read the whole reply. `body` objects are sent as JSON, strings as is. */
  async send(
    method: string,
    path: string,
    body?: unknown,
    options: SendOptions = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { Accept: options.accept ?? "application/json" };
    if (body !== undefined) headers["Content-Type"] = options.contentType ?? "application/json";
    Object.assign(headers, options.headers ?? {});
    // a request that turns out to be a watch must fail the case, not hang it (a ref'ed timer:
    // an in-process fake has no socket to keep the event loop alive)
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error(`${method} ${path}: no complete reply within 15 s`)),
      15_000,
    );
    const init: RequestInit = {
      method,
      signal: abort.signal,
      headers,
      body:
        body === undefined
          ? null
          : typeof body === "string" || body instanceof Uint8Array
            ? (body as BodyInit)
            : JSON.stringify(body),
    };
    let res: Response;
    let text: string;
    try {
      res = await (options.unprivileged ? this.#unpriv(path, init) : this.#admin(path, init));
      text = await res.text();
    } finally {
      clearTimeout(timer);
    }
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  /** GET a path. */
  get(path: string, options?: SendOptions): Promise<Reply> {
    return this.send("GET", path, undefined, options);
  }

  /** POST an object. */
  post(path: string, body: unknown, options?: SendOptions): Promise<Reply> {
    return this.send("POST", path, body, options);
  }

  /** PUT an object. */
  put(path: string, body: unknown, options?: SendOptions): Promise<Reply> {
    return this.send("PUT", path, body, options);
  }

  /** PATCH with a patch type (`merge`, `json`, `strategic`, `apply`). */
  patch(
    path: string,
    patchType: "merge" | "json" | "strategic" | "apply",
    body: unknown,
    options: SendOptions = {},
  ): Promise<Reply> {
    const contentType = {
      merge: "application/merge-patch+json",
      json: "application/json-patch+json",
      strategic: "application/strategic-merge-patch+json",
      apply: "application/apply-patch+yaml",
    }[patchType];
    return this.send("PATCH", path, body, { contentType, ...options });
  }

  /** DELETE, optionally with a `DeleteOptions` body. */
  delete(path: string, body?: unknown, options?: SendOptions): Promise<Reply> {
    return this.send("DELETE", path, body, options);
  }

  /** Open a watch (the path carries `watch=true` or the legacy `/watch/` prefix). */
  async watch(path: string, init?: RequestInit): Promise<LineReader> {
    const res = await this.#admin(path, init);
    const r = new LineReader(res);
    this.#readers.add(r);
    return r;
  }

  /** Close open watches, then the target. */
  async close(): Promise<void> {
    for (const r of this.#readers) await r.close();
    this.#readers.clear();
    await this.#close();
  }

  /** Close the watches opened so far (between cases). */
  async closeWatches(): Promise<void> {
    for (const r of this.#readers) await r.close();
    this.#readers.clear();
  }
}

async function readVersion(f: (path: string) => Promise<Response>): Promise<ServerVersion> {
  const res = await f("/version");
  const v = (await res.json()) as { major: string; minor: string; gitVersion: string };
  return {
    major: Number.parseInt(v.major, 10),
    minor: Number.parseInt(v.minor, 10),
    gitVersion: v.gitVersion,
  };
}

function authorized(
  base: string,
  f: (input: string, init?: RequestInit) => Promise<Response>,
  token: string | undefined,
): (path: string, init?: RequestInit) => Promise<Response> {
  return (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (token && !headers.has("Authorization")) headers.set("Authorization", `Bearer ${token}`);
    if (!headers.has("User-Agent")) headers.set("User-Agent", "kubeloop-conformance/0");
    return f(base + path, { ...init, headers });
  };
}

/** The fake server configured as the conformance suite runs it. */
export function conformanceFakeServer(clock?: FakeClock): FakeApiServer {
  return new FakeApiServer({
    clock,
    yaml: YAML,
    token: ADMIN_TOKEN,
    unprivilegedToken: UNPRIV_TOKEN,
    requireNamespaces: true,
    // the suite's real target is a lone API server: no garbage collector
    garbageCollection: false,
  });
}

async function realFetch(
  config: ClusterConfig,
): Promise<(input: string, init?: RequestInit) => Promise<Response>> {
  if (config.fetch) return config.fetch;
  const runtime = await loadRuntime();
  const f = runtime.createFetch({
    ca: config.caCertificate,
    cert: config.clientCertificate,
    key: config.clientKey,
    insecureSkipTLSVerify: config.insecureSkipTLSVerify,
  });
  return (input, init) => f(input, init);
}

/** Open a target by name. */
export async function openTarget(name: ConformanceTarget): Promise<Target> {
  if (name === "real") {
    const admin = await realConfig("admin");
    const unpriv = await realConfig("unprivileged");
    const base = admin.server.replace(/\/+$/, "");
    const adminFetch = authorized(base, await realFetch(admin), admin.token);
    const unprivFetch = authorized(base, await realFetch(unpriv), unpriv.token);
    const etcd = envVar(ETCD_URL_ENV);
    return new Target({
      name,
      baseUrl: base,
      version: await readVersion(adminFetch),
      fake: undefined,
      admin: adminFetch,
      unpriv: unprivFetch,
      close: async () => {},
      compact: etcd
        ? async () => {
            // compact at the current revision: everything older is gone
            const list = await adminFetch("/api/v1/namespaces?limit=1");
            const rv = ((await list.json()) as { metadata: { resourceVersion: string } }).metadata
              .resourceVersion;
            const res = await globalThis.fetch(`${etcd.replace(/\/+$/, "")}/v3/kv/compaction`, {
              method: "POST",
              body: JSON.stringify({ revision: rv, physical: true }),
            });
            if (!res.ok)
              throw new Error(`etcd compaction failed: ${res.status} ${await res.text()}`);
          }
        : undefined,
    });
  }
  const clock = new FakeClock(Date.now());
  const server = conformanceFakeServer(clock);
  let base = "http://fake.local";
  let listener: Listener | undefined;
  let f: (input: string, init?: RequestInit) => Promise<Response>;
  if (name === "http") {
    listener = await server.listen();
    base = listener.url;
    f = (input, init) => globalThis.fetch(input, init);
  } else {
    f = (input, init) => server.fetch(input, init);
  }
  const admin = authorized(base, f, ADMIN_TOKEN);
  return new Target({
    name,
    baseUrl: base,
    version: await readVersion(admin),
    fake: server,
    clock,
    admin,
    unpriv: authorized(base, f, UNPRIV_TOKEN),
    close: async () => {
      await server.close();
      await listener?.close();
    },
    compact: async () => server.faults.compact(),
  });
}

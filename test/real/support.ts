// Helpers for the tests against a real API server (test/real/*.real.ts, Node only):
// clients from the run's kubeconfigs, throw-away namespaces, and a TCP proxy that can cut,
// refuse and stall connections and counts the HTTP requests that pass through it.
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { rawRequester } from "../../scripts/fixtures/record.ts";
import { KubeClient } from "../../src/client/client.ts";
import type { ClusterConfig } from "../../src/client/config.ts";
import { Namespaces } from "../../src/resources/core.ts";
import { realConfig } from "../support/real.ts";

export { hasRealServer, realConfig } from "../support/real.ts";

/** A short random suffix for names on a shared server. */
export function suffix(): string {
  return randomBytes(4).toString("hex");
}

/** A client for the real server (admin unless asked otherwise). */
export async function realClient(
  user: "admin" | "unprivileged" = "admin",
  extra: Partial<ClusterConfig> = {},
): Promise<KubeClient> {
  return new KubeClient({ ...(await realConfig(user)), timeoutMs: 30_000, ...extra });
}

/** Poll `fn` every `everyMs` until it is truthy, for at most `ms` (real time: waiting for a real server). */
export async function waitFor<R>(
  fn: () => R | Promise<R>,
  what: string | (() => string),
  ms = 20_000,
  everyMs = 25,
): Promise<NonNullable<R>> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const r = await fn();
      if (r) return r as NonNullable<R>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      const w = typeof what === "function" ? what() : what;
      throw new Error(`timed out after ${ms} ms waiting for ${w}${last ? `: ${last}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A real sleep, only for letting a real server's time pass (never for kubeloop's timers). */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Collections a test may fill; `remove()` empties them before it drops the namespace. */
const COLLECTIONS = [
  "/api/v1/namespaces/NS/configmaps",
  "/api/v1/namespaces/NS/secrets",
  "/api/v1/namespaces/NS/pods",
  "/api/v1/namespaces/NS/services",
  "/api/v1/namespaces/NS/events",
  "/apis/apps/v1/namespaces/NS/deployments",
  "/apis/apps/v1/namespaces/NS/replicasets",
  "/apis/apps/v1/namespaces/NS/statefulsets",
  "/apis/apps/v1/namespaces/NS/daemonsets",
  "/apis/batch/v1/namespaces/NS/jobs",
  "/apis/coordination.k8s.io/v1/namespaces/NS/leases",
];

/**
 * A namespace of its own for one test (`kl-<prefix>-<random>`). `remove()` empties it, deletes it
 * and, on a lone API server (no namespace controller), drops the `kubernetes` finalizer so it does
 * not stay Terminating.
 */
export async function testNamespace(
  client: KubeClient,
  prefix: string,
  config?: ClusterConfig,
): Promise<{ name: string; remove(): Promise<void> }> {
  const name = `kl-${prefix}-${suffix()}`.slice(0, 63);
  await client.create(Namespaces, { metadata: { name, labels: { "kubeloop.dev/test": "true" } } });
  return {
    name,
    remove: () => removeNamespace(name, config),
  };
}

/** Empty, delete and finalize a namespace. */
export async function removeNamespace(name: string, config?: ClusterConfig): Promise<void> {
  const raw = await rawRequester(config ?? (await realConfig("admin")));
  for (const c of COLLECTIONS) {
    const path = c.replace("NS", name);
    const res = await raw.request("DELETE", path);
    if (res.status !== 405) continue;
    // Services have no delete-collection (1.20 answers 405): one by one.
    const list = await raw.request("GET", path);
    const items = (list.body as { items?: { metadata: { name: string } }[] }).items ?? [];
    for (const item of items) await raw.request("DELETE", `${path}/${item.metadata.name}`);
  }
  const del = await raw.request("DELETE", `/api/v1/namespaces/${name}`);
  if (del.status === 404) return;
  const got = await raw.request("GET", `/api/v1/namespaces/${name}`);
  if (got.status !== 200) return;
  const ns = got.body as { spec?: Record<string, unknown> };
  await raw.request("PUT", `/api/v1/namespaces/${name}/finalize`, {
    ...ns,
    spec: { ...ns.spec, finalizers: [] },
  });
}

/** An HTTP request line seen by the proxy. */
export interface ProxiedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** `list`, `watch` or `other` (GET of a collection without `watch=true` is a list). */
  verb: "list" | "watch" | "get" | "write";
}

const REQUEST_LINE = /(GET|POST|PUT|PATCH|DELETE) (\/\S*) HTTP\/1\.[01]\r\n/g;

/**
 * A TCP proxy on 127.0.0.1 in front of the real API server: the client speaks plain HTTP to it
 * (so the proxy can read request lines), the proxy speaks TLS to the server with the cluster's CA
 * (and client certificate, if any). It can cut every open connection, refuse new ones and stall
 * traffic, and counts the requests that pass.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  readonly #upstream: { host: string; port: number; ca?: string; cert?: string; key?: string };
  #refusing = false;
  #stalled = false;
  /** Every request that passed, in order. */
  readonly requests: ProxiedRequest[] = [];
  /** Connections accepted (refused ones included). */
  connections = 0;
  /** Connections refused. */
  refused = 0;
  port = 0;

  private constructor(config: ClusterConfig) {
    const url = new URL(config.server);
    this.#upstream = {
      host: url.hostname,
      port: Number(url.port || 443),
      ...(config.caCertificate ? { ca: config.caCertificate } : {}),
      ...(config.clientCertificate ? { cert: config.clientCertificate } : {}),
      ...(config.clientKey ? { key: config.clientKey } : {}),
    };
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Start a proxy in front of the server of `config`. */
  static async start(config: ClusterConfig): Promise<TcpProxy> {
    const p = new TcpProxy(config);
    await new Promise<void>((resolve, reject) => {
      p.#server.once("error", reject);
      p.#server.listen(0, "127.0.0.1", () => resolve());
    });
    p.port = (p.#server.address() as { port: number }).port;
    return p;
  }

  /** The proxy's URL (plain HTTP). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A client config that goes through the proxy (same credentials, no TLS to the proxy). */
  configFor(config: ClusterConfig): ClusterConfig {
    const { caCertificate: _ca, clientCertificate: _c, clientKey: _k, ...rest } = config;
    return { ...rest, server: this.url };
  }

  /** Requests of one verb. */
  count(verb: ProxiedRequest["verb"]): number {
    return this.requests.filter((r) => r.verb === verb).length;
  }

  /** Open connections. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Reset every open connection (both sides), as a dropped network path would. */
  cut(): void {
    for (const pair of this.#pairs) {
      pair.client.resetAndDestroy();
      pair.upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Refuse (reset at once) every new connection until `refuse(false)`. */
  refuse(on = true): void {
    this.#refusing = on;
  }

  /** Stop forwarding bytes in both directions (connections stay open) until `resume()`. */
  stall(): void {
    this.#stalled = true;
    for (const { client, upstream } of this.#pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /** Forward again after `stall()`. */
  resume(): void {
    this.#stalled = false;
    for (const { client, upstream } of this.#pairs) {
      client.resume();
      upstream.resume();
    }
  }

  /** Stop: close the listener and every connection. */
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.connections++;
    if (this.#refusing) {
      this.refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = tlsConnect({
      host: this.#upstream.host,
      port: this.#upstream.port,
      servername: this.#upstream.host === "127.0.0.1" ? undefined : this.#upstream.host,
      ca: this.#upstream.ca,
      cert: this.#upstream.cert,
      key: this.#upstream.key,
    });
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const drop = (): void => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);
    client.on("data", (chunk: Buffer) => {
      for (const m of chunk.toString("latin1").matchAll(REQUEST_LINE)) this.#record(m[1]!, m[2]!);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    if (this.#stalled) {
      client.pause();
      upstream.pause();
    }
  }

  #record(method: string, target: string): void {
    const url = new URL(target, "http://proxy");
    const query = url.searchParams;
    const segments = url.pathname.split("/").filter(Boolean);
    // /api/v1/{plural} or /api/v1/namespaces/{ns}/{plural}: odd length after the prefix is a collection
    const prefix = segments[0] === "api" ? 2 : 3;
    const rest = segments.length - prefix;
    const isCollection =
      rest === 1 || (rest === 3 && segments[prefix] === "namespaces" && segments.length > prefix);
    let verb: ProxiedRequest["verb"] = "write";
    if (method === "GET") {
      if (query.get("watch") === "true" || query.get("watch") === "1") verb = "watch";
      else verb = isCollection ? "list" : "get";
    }
    this.requests.push({ method, path: url.pathname, query, verb });
  }
}

// Security checks: TLS verification on by default, an explicit
// insecureSkipTLSVerify that warns once, secrets (tokens, passwords, client
// keys) never in logs, errors or serialized config/client objects, the fake
// API server on 127.0.0.1 with its bearer-token check, and zod as the only
// runtime dependency.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { inspect } from "node:util";
import { SharedInformer } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import { type ClusterConfig, protectConfig, redactConfig } from "../../src/client/config.ts";
import { ApiError, NetworkError } from "../../src/client/errors.ts";
import { Controller } from "../../src/controller/controller.ts";
import { newResource } from "../../src/controller/resource.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { eventually } from "./harness.ts";
import { runtimeName } from "./support.ts";

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), "utf8");

describe(`TLS (${runtimeName()})`, () => {
  const server = new FakeApiServer();
  let tls: Listener;
  before(async () => {
    server.create(ConfigMaps, { metadata: { name: "a", namespace: "default" } });
    tls = await server.listen({ tls: { cert: fixture("server.crt"), key: fixture("server.key") } });
  });
  after(async () => {
    await tls.close();
    await server.close();
  });

  it("verifies certificates by default: an untrusted server fails with a clear NetworkError", async () => {
    const logger = new MemoryLogger();
    const client = new KubeClient({ server: tls.url, logger });
    const err = await client.list(ConfigMaps, { namespace: "default" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof NetworkError, `expected NetworkError, got ${String(err)}`);
    assert.equal(err.method, "GET");
    assert.ok(err.url.startsWith(tls.url), err.url);
    assert.match(
      `${err.message} ${String((err.cause as Error | undefined)?.message ?? "")}`,
      /certificate|self[- ]signed|UnknownIssuer|verify|issuer|SSL|TLS/i,
      `the message should say it is about the certificate: ${err.message}`,
    );
    // no warning: verification was never turned off
    assert.equal(logger.find("warn", "TLS").length, 0);
  });

  it("trusts the server with the cluster CA", async () => {
    const client = new KubeClient({ server: tls.url, caCertificate: fixture("ca.crt") });
    const list = await client.list(ConfigMaps, { namespace: "default" });
    assert.deepEqual(
      list.items.map((o) => o.metadata.name),
      ["a"],
    );
  });

  it("insecureSkipTLSVerify must be explicit, and logs one warning per client", async () => {
    const logger = new MemoryLogger();
    const client = new KubeClient({ server: tls.url, insecureSkipTLSVerify: true, logger });
    for (let i = 0; i < 3; i++) await client.list(ConfigMaps, { namespace: "default" });
    const warnings = logger.records.filter(
      (r) => r.level === "warn" && /insecureSkipTLSVerify|TLS verification/i.test(r.msg),
    );
    assert.equal(warnings.length, 1, JSON.stringify(logger.records));
    // false and absent are the same: verified
    const strict = new KubeClient({ server: tls.url, insecureSkipTLSVerify: false, logger });
    await assert.rejects(strict.list(ConfigMaps, { namespace: "default" }), NetworkError);
    assert.equal(logger.records.filter((r) => r.level === "warn" && /TLS/i.test(r.msg)).length, 1);
  });
});

// ------------------------------------------------------------------ secrets

const TOKEN = "canary-token-7f3a9e21c4b8d6";
const PASSWORD = "canary-password-51e0b9d2aa";
const KEY = "-----BEGIN PRIVATE KEY-----\ncanary-key-d4c3b2a1f0e9\n-----END PRIVATE KEY-----\n";
const CANARIES = [TOKEN, PASSWORD, "canary-key-d4c3b2a1f0e9", "Bearer canary"];

/** Everything a user could print: messages, stacks, causes, JSON, String, inspect. */
function dump(value: unknown, depth = 0): string {
  if (depth > 4 || value === null || value === undefined) return String(value);
  const parts: string[] = [];
  try {
    parts.push(String(value));
  } catch {
    // e.g. objects without toString
  }
  try {
    parts.push(JSON.stringify(value) ?? "");
  } catch {
    // cycles
  }
  try {
    parts.push(inspect(value, { depth: 6, showHidden: false }));
  } catch {
    // runtimes without a full inspect
  }
  if (value instanceof Error) {
    parts.push(value.message, value.stack ?? "");
    if (value.cause !== undefined) parts.push(dump(value.cause, depth + 1));
    for (const k of Object.keys(value))
      parts.push(dump((value as unknown as Record<string, unknown>)[k], depth + 1));
  }
  return parts.join("\n");
}

function assertNoCanary(text: string, where: string): void {
  for (const c of CANARIES)
    assert.ok(!text.includes(c), `${where} contains a secret (${c}):\n${text.slice(0, 2000)}`);
}

describe(`secrets never leak (${runtimeName()})`, () => {
  const logger = new MemoryLogger();
  const errors: unknown[] = [];
  const server = new FakeApiServer({ token: "the-right-token" });
  // without a token check, so that 403 / 500 / 429 answers are really produced
  const open = new FakeApiServer();
  let listener: Listener;
  let openListener: Listener;
  let deadUrl: string;

  before(async () => {
    server.create(ConfigMaps, { metadata: { name: "a", namespace: "default" } });
    listener = await server.listen();
    open.create(ConfigMaps, { metadata: { name: "a", namespace: "default" } });
    openListener = await open.listen();
    // a port that refuses connections: listen, then close
    const dead = await new FakeApiServer().listen();
    deadUrl = dead.url;
    await dead.close();
  });
  after(async () => {
    await listener.close();
    await server.close();
    await openListener.close();
    await open.close();
  });

  async function collect(p: Promise<unknown>): Promise<unknown> {
    try {
      await p;
      return undefined;
    } catch (err) {
      errors.push(err);
      return err;
    }
  }

  const configs = (): ClusterConfig[] => [
    { server: listener.url, token: TOKEN, logger },
    { server: listener.url, tokenProvider: () => TOKEN, logger },
    { server: listener.url, username: "admin", password: PASSWORD, logger },
    {
      server: listener.url,
      token: TOKEN,
      clientCertificate: "-----BEGIN CERTIFICATE-----\nnot-secret\n-----END CERTIFICATE-----\n",
      clientKey: KEY,
      // custom fetch: the key is configured but no TLS transport is built
      fetch: (input, init) => globalThis.fetch(input, init),
      logger,
    },
    { server: deadUrl, token: TOKEN, password: PASSWORD, username: "u", logger },
  ];

  it("the fake API server listens on 127.0.0.1 by default", () => {
    assert.equal(new URL(listener.url).hostname, "127.0.0.1");
  });

  it("its token check answers 401 to a wrong token and 403 to none (the anonymous user), surfaced as ApiErrors", async () => {
    const wrong = await collect(
      new KubeClient({ server: listener.url, token: TOKEN }).list(ConfigMaps, {
        namespace: "default",
      }),
    );
    assert.ok(wrong instanceof ApiError, String(wrong));
    assert.equal(wrong.code, 401);
    assert.equal(wrong.reason, "Unauthorized");
    // as a real API server: a request without credentials is system:anonymous, forbidden
    const none = await collect(
      new KubeClient({ server: listener.url }).list(ConfigMaps, { namespace: "default" }),
    );
    assert.ok(none instanceof ApiError, String(none));
    assert.equal(none.code, 403);
    assert.equal(none.reason, "Forbidden");
    const ok = new KubeClient({ server: listener.url, token: "the-right-token" });
    assert.equal((await ok.list(ConfigMaps, { namespace: "default" })).items.length, 1);
  });

  it("401 / 403 / 500 / 429 / network errors: no secret in errors or logs", async () => {
    const codes: number[] = [];
    for (const config of configs()) {
      // against the token-checking server: 401s (or network errors for the dead port)
      const client = new KubeClient(config);
      await collect(client.list(ConfigMaps, { namespace: "default" }));
      await collect(client.get(ConfigMaps, "a", { namespace: "default" }));
      await collect(
        client.create(ConfigMaps, {
          metadata: { name: "b", namespace: "default" },
          data: { x: "y" },
        }),
      );
      // the same credentials against a server that fails on purpose
      const failing = new KubeClient(
        config.server === deadUrl ? config : { ...config, server: openListener.url },
      );
      for (const status of [403, 500, 429]) {
        open.faults.failNext({ status, retryAfterSeconds: 1, plainText: status === 429 });
        const err = await collect(failing.list(ConfigMaps, { namespace: "default" }));
        if (err instanceof ApiError) codes.push(err.code);
      }
      open.faults.failNext({ watch: true, status: 500, asWatchEvent: true });
      const watch = (async () => {
        for await (const ev of failing.watch(ConfigMaps, { namespace: "default" })) {
          if (ev.type === "ERROR") throw ApiError.fromStatus(ev.object);
        }
      })();
      await collect(watch);
      for (const c of [client, failing]) {
        assertNoCanary(dump(c), "the client");
        assertNoCanary(`${String(c)} ${JSON.stringify(c)}`, "the client");
      }
    }
    open.faults.reset();
    assert.ok(codes.includes(401) || errors.some((e) => e instanceof ApiError && e.code === 401));
    for (const code of [403, 500, 429]) assert.ok(codes.includes(code), `a ${code} was produced`);
    assert.ok(
      errors.some((e) => e instanceof NetworkError),
      "a network error was produced",
    );
    assert.ok(errors.length >= 30, `errors collected: ${errors.length}`);
    for (const e of errors) assertNoCanary(dump(e), "an error");
    assertNoCanary(JSON.stringify(logger.records), "the log");
  });

  it("a server or proxy that echoes the Authorization header back: scrubbed from the error", async () => {
    const echo = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const req = new Request(input, init);
      const auth = req.headers.get("authorization") ?? "";
      if (req.url.includes("plain"))
        return new Response(`bad credentials: ${auth}`, { status: 401 });
      return new Response(
        JSON.stringify({
          kind: "Status",
          code: 403,
          reason: "Forbidden",
          message: `user with ${auth} is forbidden`,
        }),
        { status: 403, headers: { "content-type": "application/json" } },
      );
    };
    for (const path of ["json", "plain"]) {
      const client = new KubeClient({
        server: `http://echo.invalid/${path}`,
        token: TOKEN,
        fetch: echo,
        logger,
      });
      const err = await collect(client.list(ConfigMaps, { namespace: "default" }));
      assert.ok(err instanceof ApiError, String(err));
      assertNoCanary(dump(err), `the ${path} echo error`);
    }
  });

  it("credentials in the server URL: not in the client, its requests' errors or the log", async () => {
    const client = new KubeClient({ server: `http://admin:${PASSWORD}@127.0.0.1:1`, logger });
    assertNoCanary(dump(client), "the client");
    const err = await collect(client.list(ConfigMaps, { namespace: "default" }));
    assert.ok(err instanceof NetworkError, String(err));
    assertNoCanary(dump(err), "the error");
    assertNoCanary(JSON.stringify(logger.records), "the log");
  });

  it("config objects: redactConfig and protectConfig hide every secret", () => {
    for (const config of configs()) {
      assertNoCanary(JSON.stringify(redactConfig(config)), "redactConfig");
      const protectedConfig = protectConfig({
        ...config,
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      assertNoCanary(JSON.stringify(protectedConfig), "JSON of a protected config");
      assertNoCanary(String(protectedConfig), "String of a protected config");
      assertNoCanary(inspect(protectedConfig), "inspect of a protected config");
    }
  });

  it("an informer and a controller failing on 401s, 403s, 500s, 429s: no secret in their logs or errors", async () => {
    const informerErrors: unknown[] = [];
    const upserts: string[] = [];
    const run = async (url: string, until: () => boolean): Promise<SharedInformer<ConfigMap>> => {
      const client = new KubeClient({ server: url, token: TOKEN, logger });
      const informer = new SharedInformer<ConfigMap>(client, ConfigMaps, {
        namespace: "default",
        logger,
        backoff: { initialMs: 1, maxMs: 5, jitter: 0 },
        onError: (err) => informerErrors.push(err),
      });
      const controller = new Controller({
        resource: newResource<ConfigMap>(
          informer,
          async (key) => {
            upserts.push(key);
            throw new Error(`reconcile failed for ${key}`);
          },
          async () => {},
        ),
        logger,
        maxRetries: 1,
      });
      const ac = new AbortController();
      const running = controller.run(ac.signal);
      await eventually(until, { what: "informer failures" });
      ac.abort();
      await running;
      return informer;
    };
    // the token-checking server: 401 on every request
    const denied = await run(listener.url, () => informerErrors.length >= 5);
    assert.ok(informerErrors.some((e) => e instanceof ApiError && e.code === 401));
    // a server failing with 403, 500 and 429 before it answers
    open.faults.failNext({ verb: "list", status: 403, times: 2 });
    open.faults.failNext({ verb: "list", status: 500, times: 2 });
    open.faults.failNext({ verb: "list", status: 429, plainText: true });
    const failing = await run(openListener.url, () => upserts.length >= 2);
    open.faults.reset();
    for (const code of [403, 500, 429])
      assert.ok(
        informerErrors.some((e) => e instanceof ApiError && e.code === code),
        `the informer saw a ${code}`,
      );
    for (const e of informerErrors) assertNoCanary(dump(e), "an informer error");
    assertNoCanary(dump(denied.lastError()), "lastError()");
    assertNoCanary(dump(failing.lastError()), "lastError()");
    assertNoCanary(JSON.stringify(logger.records), "the log");
    assertNoCanary(inspect(logger.records, { depth: 8 }), "the log");
  });
});

describe("dependencies", () => {
  it("runtime dependencies are zod, plus yaml for the kubeconfig entry only (npm audit is unavailable here: see docs/reliability.md)", () => {
    const pkg = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      optionalDependencies?: Record<string, string>;
    };
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}).sort(), ["yaml", "zod"]);
    // peers, if any, must be optional (npm then does not install them for users)
    for (const name of Object.keys(pkg.peerDependencies ?? {}))
      assert.equal(
        pkg.peerDependenciesMeta?.[name]?.optional,
        true,
        `peer ${name} must be optional`,
      );
    assert.deepEqual(Object.keys(pkg.optionalDependencies ?? {}), []);
  });

  it("the lockfile resolves exactly two production packages (zod, yaml), each without dependencies", () => {
    const lock = JSON.parse(
      readFileSync(new URL("../../package-lock.json", import.meta.url), "utf8"),
    ) as { packages: Record<string, { dev?: boolean; devOptional?: boolean; version?: string }> };
    const prod = Object.entries(lock.packages)
      .filter(([path, p]) => path !== "" && !p.dev && !p.devOptional)
      .map(([path]) => path);
    assert.deepEqual(prod.sort(), ["node_modules/yaml", "node_modules/zod"]);
  });

  it("only the kubeconfig entry imports yaml, only kubeloop/fluent its optional peer; the rest imports nothing but zod", async () => {
    const { readdirSync, statSync } = await import("node:fs");
    const { join } = await import("node:path");
    const srcDir = new URL("../../src", import.meta.url).pathname;
    const bare = new Set<string>();
    const yamlUsers: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith(".ts")) {
          // code lines only: TSDoc examples import "kubeloop" and friends
          const text = readFileSync(path, "utf8")
            .split("\n")
            .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
            .join("\n");
          // a specifier ends its statement (`from "x";`) or the dynamic import (`import("x")`), which a
          // string that happens to read "from 'uname -r' (e.g. …)" does not
          for (const m of text.matchAll(
            /(?:\bfrom\s+|\bimport\s*\(\s*)(["'])([^"'./][^"']*)\1\s*(?:;|\)|,|as\b|$)/gm,
          )) {
            const spec = m[2]!;
            if (spec.startsWith("node:")) continue;
            // the package a specifier names (`zod/mini` is the zod package)
            bare.add(
              spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!,
            );
            if (spec === "yaml") yamlUsers.push(path.slice(srcDir.length + 1));
            if (spec === "kubernetes-fluent-client")
              assert.ok(path.includes("/src/fluent/"), `${path} imports the optional peer`);
          }
        }
      }
    };
    walk(srcDir);
    assert.deepEqual([...bare].sort(), ["kubernetes-fluent-client", "yaml", "zod"]);
    assert.deepEqual(yamlUsers, ["client/kubeconfig.ts"]);
  });
});

// The README's code, the examples (Node, Deno, Bun) and `npm run demo` against the real API server,
// each as its own process with KUBECONFIG pointing at it: they must do what they say, and a user
// without rights must see the failure on the console (no logger configured).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { MIRROR_LABEL } from "../../examples/shared/mirror.ts";
import type { KubeClient } from "../../src/client/client.ts";
import { isNotFound } from "../../src/client/errors.ts";
import { ConfigMaps, Namespaces } from "../../src/resources/core.ts";
import { REAL_KUBECONFIG_ENV, REAL_KUBECONFIG_UNPRIV_ENV } from "../support/real.ts";
import { realClient, removeNamespace, testNamespace, waitFor } from "./support.ts";

const root = new URL("../..", import.meta.url).pathname;
const bin = (name: string): string => `${root}node_modules/.bin/${name}`;

interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** SIGINT (SIGTERM for the entries that listen for it), then wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function run(command: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    out += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const procs = running;
  procs.add(child);
  void exited.then(() => procs.delete(child));
  return {
    child,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = "SIGINT") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

const running = new Set<ChildProcess>();
const admin = (): string => process.env[REAL_KUBECONFIG_ENV] ?? "";
const unprivileged = (): string => process.env[REAL_KUBECONFIG_UNPRIV_ENV] ?? "";

describe("README, examples and demo against the real API server", () => {
  let client: KubeClient;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    client = await realClient();
  });

  after(async () => {
    for (const p of running) p.kill("SIGKILL");
    for (const c of cleanups.reverse()) await c();
  });

  /** A namespace that exists for this test (created and removed unless it was there already). */
  async function ensureNamespace(name: string): Promise<void> {
    try {
      await client.get(Namespaces, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await client.create(Namespaces, { metadata: { name } });
      cleanups.push(() => removeNamespace(name));
    }
  }

  it("the README controller mirrors a labelled ConfigMap with its short apply body, and removes the mirror", {
    timeout: 120_000,
  }, async () => {
    await ensureNamespace("mirror");
    const src = await testNamespace(client, "readme");
    cleanups.push(() => src.remove());
    const proc = run(process.execPath, ["--import", "tsx", "examples/readme/controller.ts"], {
      KUBECONFIG: admin(),
    });
    await client.create(ConfigMaps, {
      metadata: { name: "a", namespace: src.name, labels: { [MIRROR_LABEL]: "true" } },
      data: { colour: "red" },
    });
    const mirror = `${src.name}.a`;
    const got = await waitFor(
      async () => client.get(ConfigMaps, mirror, { namespace: "mirror" }).catch(() => undefined),
      () => `mirror/${mirror}; controller output:\n${proc.output()}`,
      60_000,
    );
    assert.deepEqual(got.data, { colour: "red" });
    await client.delete(ConfigMaps, "a", { namespace: src.name });
    await waitFor(
      async () =>
        client
          .get(ConfigMaps, mirror, { namespace: "mirror" })
          .then(() => false)
          .catch((err) => isNotFound(err)),
      "the mirror's removal",
    );
    assert.equal(await proc.stop(), 0, proc.output());
    assert.doesNotMatch(proc.output(), /ERROR|WARN/, "no failure on the way");
  });

  it("the README controller run by a user without RBAC says so on the console (403), instead of nothing", {
    timeout: 120_000,
  }, async () => {
    const proc = run(process.execPath, ["--import", "tsx", "examples/readme/controller.ts"], {
      KUBECONFIG: unprivileged(),
    });
    await waitFor(() => /ERROR ConfigMap list failed/.test(proc.output()), "the 403", 60_000);
    assert.match(proc.output(), /"code":403/);
    await proc.stop();
  });

  it("the README client example lists pods, applies its ConfigMap and watches", {
    timeout: 120_000,
  }, async () => {
    const existed = await client
      .get(ConfigMaps, "settings", { namespace: "default" })
      .then(() => true)
      .catch(() => false);
    if (!existed) {
      cleanups.push(() =>
        client.delete(ConfigMaps, "settings", { namespace: "default" }).then(
          () => undefined,
          () => undefined,
        ),
      );
    }
    const proc = run(process.execPath, ["--import", "tsx", "examples/readme/client.ts"], {
      KUBECONFIG: admin(),
    });
    await waitFor(
      () => /ADDED settings \{ mode: 'fast' \}/.test(proc.output()),
      () => `the watch of the applied ConfigMap; output:\n${proc.output()}`,
      60_000,
    );
    const cm = await client.get(ConfigMaps, "settings", { namespace: "default" });
    assert.equal(cm.data?.mode, "fast");
    assert.ok(
      cm.metadata.managedFields?.some((f) => f.manager === "my-tool" && f.operation === "Apply"),
      "applied by the example's field manager",
    );
    await proc.stop("SIGKILL");
  });

  for (const [runtime, command, args] of [
    ["node", process.execPath, ["--import", "tsx", "examples/node/main.ts"]],
    ["deno", bin("deno"), ["run", "-A", "--no-check", "examples/deno/main.ts"]],
    ["bun", bin("bun"), ["examples/bun/main.ts"]],
  ] as const) {
    it(`examples/${runtime} mirrors, follows an update and a delete over TLS with the cluster's CA`, {
      timeout: 180_000,
    }, async () => {
      const src = await testNamespace(client, `ex-${runtime}`);
      cleanups.push(() => src.remove());
      const dst = await testNamespace(client, `ex-${runtime}-dst`);
      cleanups.push(() => dst.remove());
      await client.create(ConfigMaps, {
        metadata: { name: "a", namespace: src.name, labels: { [MIRROR_LABEL]: "true" } },
        data: { colour: "red" },
      });
      const proc = run(command, [...args], {
        KUBECONFIG: admin(),
        MIRROR_SOURCE: src.name,
        MIRROR_TARGET: dst.name,
      });
      const mirrorOf = (name: string) =>
        client
          .get(ConfigMaps, `${src.name}.${name}`, { namespace: dst.name })
          .catch(() => undefined);
      await waitFor(
        () => /synced 1 labelled ConfigMaps/.test(proc.output()),
        () => `sync; output:\n${proc.output()}`,
        90_000,
      );
      const first = await waitFor(() => mirrorOf("a"), "the first mirror");
      assert.deepEqual(first.data, { colour: "red" });
      const a = await client.get(ConfigMaps, "a", { namespace: src.name });
      await client.replace(ConfigMaps, { ...a, data: { colour: "blue" } });
      await waitFor(async () => (await mirrorOf("a"))?.data?.colour === "blue", "the update");
      await client.delete(ConfigMaps, "a", { namespace: src.name });
      await waitFor(async () => (await mirrorOf("a")) === undefined, "the mirror's removal");
      // the server has deleted the mirror; stop once the example has seen its answer too
      await waitFor(() => /delete [^ ]+\/a/.test(proc.output()), "the example reports the delete");
      const code = await proc.stop("SIGTERM");
      if (runtime !== "deno") assert.equal(code, 0, proc.output());
      assert.match(proc.output(), /apply [^ ]+\/a/);
      assert.match(proc.output(), /delete [^ ]+\/a/);
      assert.doesNotMatch(proc.output(), /ERROR|WARN/, proc.output());
    });
  }

  it("npm run demo -- --kubeconfig <file> converges on the real server and cleans up", {
    timeout: 180_000,
  }, async () => {
    for (const ns of ["kubeloop-demo", "kubeloop-demo-mirror"]) {
      const there = await client
        .get(Namespaces, ns)
        .then(() => true)
        .catch(() => false);
      if (!there) cleanups.push(() => removeNamespace(ns));
    }
    const proc = run(
      process.execPath,
      ["--import", "tsx", "scripts/demo.ts", "--kubeconfig", admin(), "--seconds", "3"],
      { KUBECONFIG: "" },
    );
    const code = await proc.exited;
    assert.equal(code, 0, proc.output());
    assert.match(proc.output(), /mode {10}cluster/);
    assert.match(proc.output(), /✓ converged/);
    assert.doesNotMatch(proc.output(), /ERROR|WARN/);
    const left = await client.list(ConfigMaps, {
      namespace: "kubeloop-demo",
      labelSelector: "kubeloop.dev/demo=true",
    });
    assert.equal(left.items.length, 0, "the demo removed its ConfigMaps");
  });
});

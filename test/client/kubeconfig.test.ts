import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileTokenProvider, inCluster } from "../../src/client/config.ts";
import { ConfigError } from "../../src/client/errors.ts";
import {
  fromEnvironment,
  fromKubeconfig,
  loadKubeconfigFile,
  parseKubeconfig,
} from "../../src/client/kubeconfig.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";
import type { ExecOptions, ExecResult, Runtime } from "../../src/runtime/types.ts";
import { FakeClock } from "../../src/util/clock.ts";

const b64 = (s: string): string => btoa(s);

const YAML = `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${b64("CA-PEM")}
- name: prod-cluster
  cluster:
    server: "https://prod.example:443"
    insecure-skip-tls-verify: true
users:
- name: dev-user
  user:
    client-certificate-data: ${b64("CERT-PEM")}
    client-key-data: ${b64("KEY-PEM")}
- name: token-user
  user:
    token: abc.def
- name: basic-user
  user:
    username: admin
    password: 's3cret'
contexts:
- name: dev
  context:
    cluster: dev-cluster
    user: dev-user
    namespace: team-a
- name: prod
  context:
    cluster: prod-cluster
    user: token-user
- name: basic
  context: {cluster: dev-cluster, user: basic-user}
- name: broken
  context:
    cluster: nowhere
    user: token-user
`;

/** A runtime with in-memory files, env and a scripted exec. */
function memRuntime(
  files: Record<string, string>,
  env: Record<string, string> = {},
  exec?: (cmd: string, args: string[], opts?: ExecOptions) => Promise<ExecResult>,
): Runtime & { execCalls: number } {
  const rt = {
    name: "node" as const,
    execCalls: 0,
    createFetch: () => globalThis.fetch,
    readTextFile: async (p: string) => {
      const f = files[p];
      if (f === undefined) throw new Error(`ENOENT: ${p}`);
      return f;
    },
    env: (n: string) => env[n],
    homeDir: () => env.HOME,
    ...(exec
      ? {
          exec: async (cmd: string, args: string[], opts?: ExecOptions) => {
            rt.execCalls++;
            return exec(cmd, args, opts);
          },
        }
      : {}),
  };
  return rt;
}

describe("kubeconfig", () => {
  const rt = memRuntime({});

  it("uses the current context: server, CA data, client cert, namespace", async () => {
    const c = await fromKubeconfig(YAML, { runtime: rt });
    assert.equal(c.server, "https://127.0.0.1:6443");
    assert.equal(c.caCertificate, "CA-PEM");
    assert.equal(c.clientCertificate, "CERT-PEM");
    assert.equal(c.clientKey, "KEY-PEM");
    assert.equal(c.namespace, "team-a");
    assert.equal(c.token, undefined);
  });

  it("selects another context: token, insecure-skip-tls-verify, basic auth", async () => {
    const prod = await fromKubeconfig(YAML, { context: "prod", runtime: rt });
    assert.equal(prod.server, "https://prod.example:443");
    assert.equal(prod.token, "abc.def");
    assert.equal(prod.insecureSkipTLSVerify, true);
    assert.equal(prod.namespace, undefined);
    const basic = await fromKubeconfig(YAML, { context: "basic", runtime: rt });
    assert.equal(basic.username, "admin");
    assert.equal(basic.password, "s3cret");
  });

  it("accepts JSON text and objects", async () => {
    const obj = await parseKubeconfig(YAML);
    const fromJson = await fromKubeconfig(JSON.stringify(obj), { context: "prod", runtime: rt });
    assert.equal(fromJson.token, "abc.def");
    const fromObj = await fromKubeconfig(obj, { context: "prod", runtime: rt });
    assert.equal(fromObj.token, "abc.def");
  });

  it("gives typed errors that say where", async () => {
    await assert.rejects(
      fromKubeconfig(YAML, { context: "missing", runtime: rt }),
      (err: unknown) => {
        return (
          err instanceof ConfigError &&
          /context "missing" not found \(available: dev, prod, basic, broken\)/.test(err.message)
        );
      },
    );
    await assert.rejects(
      fromKubeconfig(YAML, { context: "broken", runtime: rt }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /contexts\["broken"\]: cluster "nowhere" not found/.test(err.message),
    );
    await assert.rejects(
      fromKubeconfig("clusters: [\n  - name: x\n  cluster: {", { runtime: rt }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /not valid YAML/.test(err.message) &&
        /line/i.test(err.message),
    );
    await assert.rejects(
      fromKubeconfig("{ not json", { runtime: rt }),
      (err: unknown) => err instanceof ConfigError && /not valid JSON/.test(err.message),
    );
    await assert.rejects(fromKubeconfig("", { runtime: rt }), ConfigError);
    await assert.rejects(fromKubeconfig("- a\n- b\n", { runtime: rt }), /not a kubeconfig/);
    await assert.rejects(
      fromKubeconfig({ clusters: [], contexts: [] }, { runtime: rt }),
      /no context given and no current-context/,
    );
    await assert.rejects(
      fromKubeconfig(
        {
          "current-context": "c",
          contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
          clusters: [{ name: "k", cluster: { server: "https://k" } }],
          users: [{ name: "u", user: { "client-key-data": "!!!notbase64" } }],
        },
        { runtime: rt },
      ),
      (err: unknown) =>
        err instanceof ConfigError &&
        /users\["u"\] client-key-data: is not valid base64/.test(err.message),
    );
    await assert.rejects(
      fromKubeconfig(
        {
          "current-context": "c",
          contexts: [{ name: "c", context: { cluster: "k" } }],
          clusters: [{ name: "k", cluster: {} }],
        },
        { runtime: rt },
      ),
      /cluster.server is missing/,
    );
  });

  it("reads file forms relative to the kubeconfig folder", async () => {
    const files = {
      "/home/me/.kube/ca.crt": "CA-FROM-FILE",
      "/home/me/.kube/certs/me.crt": "CERT-FROM-FILE",
      "/abs/me.key": "KEY-FROM-FILE",
      "/home/me/.kube/token": "file-token\n",
      "/home/me/.kube/config": `
current-context: c
clusters: [{name: k, cluster: {server: "https://k", certificate-authority: ca.crt}}]
users:
- name: u
  user: {client-certificate: certs/me.crt, client-key: /abs/me.key, tokenFile: token}
contexts: [{name: c, context: {cluster: k, user: u}}]
`,
    };
    const mem = memRuntime(files, { HOME: "/home/me" });
    const c = await loadKubeconfigFile("/home/me/.kube/config", { runtime: mem });
    assert.equal(c.caCertificate, "CA-FROM-FILE");
    assert.equal(c.clientCertificate, "CERT-FROM-FILE");
    assert.equal(c.clientKey, "KEY-FROM-FILE");
    assert.equal(await c.tokenProvider!(), "file-token");
    const env = await fromEnvironment({ runtime: mem });
    assert.equal(env.caCertificate, "CA-FROM-FILE");
    await assert.rejects(
      loadKubeconfigFile("/nope", { runtime: mem }),
      (err: unknown) => err instanceof ConfigError && /cannot read \/nope/.test(err.message),
    );
  });

  it("runs exec credential plugins and caches until expiry", async () => {
    let n = 0;
    const clock = new FakeClock(Date.now());
    const mem = memRuntime({}, {}, async (cmd, args, opts) => {
      assert.equal(cmd, "get-token");
      assert.deepEqual(args, ["--cluster", "dev"]);
      assert.equal(opts?.env?.FOO, "bar");
      assert.match(opts?.env?.KUBERNETES_EXEC_INFO ?? "", /ExecCredential/);
      n++;
      return {
        code: 0,
        stderr: "",
        stdout: JSON.stringify({
          apiVersion: "client.authentication.k8s.io/v1",
          kind: "ExecCredential",
          status: {
            token: `exec-${n}`,
            expirationTimestamp: new Date(Date.now() + 60_000).toISOString(),
          },
        }),
      };
    });
    const kc = {
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
      clusters: [{ name: "k", cluster: { server: "https://k" } }],
      users: [
        {
          name: "u",
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1",
              command: "get-token",
              args: ["--cluster", "dev"],
              env: [{ name: "FOO", value: "bar" }],
            },
          },
        },
      ],
    };
    const c = await fromKubeconfig(kc, { runtime: mem, clock });
    assert.equal(await c.tokenProvider!(), "exec-1");
    assert.equal(await c.tokenProvider!(), "exec-1");
    await clock.advance(55_000);
    assert.equal(await c.tokenProvider!(), "exec-2");
    assert.equal(mem.execCalls, 2);

    const failing = memRuntime({}, {}, async () => ({
      code: 1,
      stdout: "",
      stderr: "login required",
    }));
    const c2 = await fromKubeconfig(kc, { runtime: failing });
    await assert.rejects(
      Promise.resolve().then(() => c2.tokenProvider!()),
      (err: unknown) => err instanceof ConfigError && /login required/.test(err.message),
    );

    const noExec = memRuntime({});
    await assert.rejects(
      fromKubeconfig(kc, { runtime: noExec }),
      /need a runtime that can spawn processes/,
    );
  });

  it("redacts secrets in JSON.stringify of loaded configs", async () => {
    const c = await fromKubeconfig(YAML, { context: "prod", runtime: rt });
    assert.ok(!JSON.stringify(c).includes("abc.def"));
    assert.ok(!String(c).includes("abc.def"));
    const basic = await fromKubeconfig(YAML, { context: "basic", runtime: rt });
    assert.ok(!JSON.stringify(basic).includes("s3cret"));
  });
});

describe("in-cluster and files on the real runtime", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubeloop-sa-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("loads the service account and re-reads a rotated token", async () => {
    writeFileSync(join(dir, "token"), "token-1\n");
    writeFileSync(join(dir, "ca.crt"), "CA");
    writeFileSync(join(dir, "namespace"), "kube-system");
    const real = await loadRuntime();
    const rtWithEnv: Runtime = {
      ...real,
      env: (n) => ({ KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" })[n],
      createFetch: real.createFetch.bind(real),
      readTextFile: real.readTextFile.bind(real),
      homeDir: real.homeDir.bind(real),
    };
    const clock = new FakeClock();
    const c = await inCluster({ runtime: rtWithEnv, serviceAccountDir: dir, clock });
    assert.equal(c.server, "https://[fd00::1]:443");
    assert.equal(c.namespace, "kube-system");
    assert.equal(c.caCertificate, "CA");
    assert.equal(await c.tokenProvider!(), "token-1");
    writeFileSync(join(dir, "token"), "token-2\n");
    assert.equal(await c.tokenProvider!(), "token-1");
    await clock.advance(60_000);
    assert.equal(await c.tokenProvider!(), "token-2");
    assert.ok(!JSON.stringify(c).includes("token-"));
  });

  it("fails clearly outside a pod", async () => {
    const real = await loadRuntime();
    const noEnv: Runtime = {
      ...real,
      env: () => undefined,
      readTextFile: real.readTextFile.bind(real),
    };
    await assert.rejects(
      inCluster({ runtime: noEnv }),
      (err: unknown) => err instanceof ConfigError && /not running in a pod/.test(err.message),
    );
  });

  it("keeps the last token when a re-read fails", async () => {
    const p = join(dir, "t2");
    writeFileSync(p, "keep-me");
    const clock = new FakeClock();
    const provider = fileTokenProvider(await loadRuntime(), p, 1000, clock);
    assert.equal(await provider(), "keep-me");
    rmSync(p);
    await clock.advance(2000);
    assert.equal(await provider(), "keep-me");
  });

  it("runs a real exec plugin through the runtime", async () => {
    const real = await loadRuntime();
    if (!real.exec) return;
    const cred = JSON.stringify({ kind: "ExecCredential", status: { token: "from-sh" } });
    const c = await fromKubeconfig(
      {
        "current-context": "c",
        contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
        clusters: [{ name: "k", cluster: { server: "https://k" } }],
        users: [
          { name: "u", user: { exec: { command: "sh", args: ["-c", `printf '%s' '${cred}'`] } } },
        ],
      },
      { runtime: real },
    );
    assert.equal(await c.tokenProvider!(), "from-sh");
  });

  it("loads a YAML kubeconfig file from disk", async () => {
    const p = join(dir, "config");
    writeFileSync(p, YAML);
    writeFileSync(join(dir, "ca.pem"), readFileSync(p, "utf8").slice(0, 10));
    const c = await loadKubeconfigFile(p, { context: "prod" });
    assert.equal(c.token, "abc.def");
  });
});

/**
 * kube-apiserver for a test control plane: HTTPS on a free 127.0.0.1 port
 * with its own CA and serving certificate, static token users, RBAC, and the
 * flags a lone API server needs (no ServiceAccount admission, no endpoint
 * reconciler, no insecure port on versions that still have one).
 *
 * @module
 */
import type { ProcessHost } from "../runtime/processes.ts";
import type { Runtime } from "../runtime/types.ts";
import type { Clock } from "../util/clock.ts";
import { isPortInUse } from "./etcd.ts";
import { probeText } from "./http.ts";
import { createCertificateAuthority, generateKeyPair, issueCertificate } from "./pki.ts";
import { ManagedProcess } from "./process-lifecycle.ts";

/**
 * A user of the static token file.
 *
 * @example
 * ```ts
 * import type { TokenUser } from "kubeloop/envtest";
 * const admin: TokenUser = { name: "admin", token: "s3cret", groups: ["system:masters"] };
 * ```
 */
export interface TokenUser {
  /** User name. */
  name: string;
  /** Bearer token. */
  token: string;
  /** Groups (e.g. `system:masters` for an administrator). */
  groups?: readonly string[] | undefined;
}

/**
 * Options of {@link ApiServer}.
 *
 * @example
 * ```ts
 * import type { ApiServerOptions } from "kubeloop/envtest";
 * const options: ApiServerOptions = {
 *   binary: "/opt/k8s/kube-apiserver",
 *   etcdUrl: "http://127.0.0.1:2379",
 *   users: [{ name: "admin", token: "s3cret", groups: ["system:masters"] }],
 * };
 * ```
 */
export interface ApiServerOptions {
  /** Path of the `kube-apiserver` binary. */
  binary: string;
  /** etcd's client URL. */
  etcdUrl: string;
  /** Users of the static token file. */
  users: readonly TokenUser[];
  /**
   * The binary's minor version (e.g. 20), which decides version-specific
   * flags. Unknown: assume a current server.
   */
  minorVersion?: number | undefined;
  /** More flags (appended; a later flag wins). */
  extraArgs?: readonly string[] | undefined;
  /** Parent of the scratch directory. */
  tempParent?: string | undefined;
  /** Readiness deadline (default 60 s). */
  startTimeoutMs?: number | undefined;
  /** SIGTERM → SIGKILL grace (default 20 s). */
  stopTimeoutMs?: number | undefined;
  /** Clock for deadlines (default: real). */
  clock?: Clock | undefined;
}

const PORT_ATTEMPTS = 3;

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The `--token-auth-file` text: `token,user,uid,"group1,group2"` lines.
 *
 * @example
 * ```ts
 * import { tokenFile } from "./apiserver.ts";
 * tokenFile([{ name: "admin", token: "t", groups: ["system:masters"] }]);
 * // 't,admin,admin,system:masters\n'
 * ```
 */
export function tokenFile(users: readonly TokenUser[]): string {
  return users
    .map((u) => {
      const fields = [u.token, u.name, u.name];
      if (u.groups?.length) fields.push(u.groups.join(","));
      return `${fields.map(csvField).join(",")}\n`;
    })
    .join("");
}

/**
 * One kube-apiserver for tests. The PKI is made on the first start and kept,
 * so configs stay valid across restarts (same port, same CA, same tokens).
 *
 * @example
 * ```ts
 * import { ApiServer, loadProcessHost } from "kubeloop/envtest";
 * import { loadRuntime } from "kubeloop";
 * const apiServer = new ApiServer(await loadProcessHost(), await loadRuntime(), {
 *   binary: "/opt/k8s/kube-apiserver",
 *   etcdUrl: "http://127.0.0.1:2379",
 *   users: [{ name: "admin", token: "s3cret", groups: ["system:masters"] }],
 * });
 * await apiServer.start();
 * console.log(apiServer.url, apiServer.caCertificate);
 * await apiServer.cleanup();
 * ```
 */
export class ApiServer {
  readonly #host: ProcessHost;
  readonly #runtime: Runtime;
  readonly #options: ApiServerOptions;
  #port: number | undefined;
  #dir: string | undefined;
  #ca: string | undefined;
  #proc: ManagedProcess | undefined;

  /**
   * Describe the server; nothing starts until {@link ApiServer.start}.
   *
   * @param host the runtime's process support.
   * @param runtime for the TLS readiness probe.
   * @param options binary, etcd, users and deadlines.
   */
  constructor(host: ProcessHost, runtime: Runtime, options: ApiServerOptions) {
    this.#host = host;
    this.#runtime = runtime;
    this.#options = options;
  }

  /** `https://127.0.0.1:<port>` (after the first start). */
  get url(): string {
    if (this.#port === undefined) throw new Error("kube-apiserver has not been started");
    return `https://127.0.0.1:${this.#port}`;
  }

  /** The CA that signed the serving certificate, PEM (after the first start). */
  get caCertificate(): string {
    if (this.#ca === undefined) throw new Error("kube-apiserver has not been started");
    return this.#ca;
  }

  /** The scratch directory (PKI, token file, log). */
  get dir(): string | undefined {
    return this.#dir;
  }

  /** The running process's id, if any. */
  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** Whether the server is running. */
  get running(): boolean {
    return this.#proc?.running ?? false;
  }

  async #writePki(dir: string): Promise<void> {
    const ca = await createCertificateAuthority("kubeloop-envtest-ca");
    const serving = await issueCertificate(ca, {
      commonName: "kube-apiserver",
      usage: "server",
      ipAddresses: ["127.0.0.1", "10.0.0.1"],
      dnsNames: [
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
      ],
    });
    const sa = await generateKeyPair();
    const w = (name: string, text: string, mode: number): Promise<void> =>
      this.#host.writeFile(`${dir}/${name}`, text, { mode });
    await w("ca.crt", ca.certificatePem, 0o644);
    await w("apiserver.crt", serving.certificatePem, 0o644);
    await w("apiserver.key", serving.key.privateKeyPem, 0o600);
    await w("sa.pub", sa.publicKeyPem, 0o644);
    await w("sa.key", sa.privateKeyPem, 0o600);
    await w("tokens.csv", tokenFile(this.#options.users), 0o600);
    this.#ca = ca.certificatePem;
  }

  /**
   * Start kube-apiserver (again) and wait until `/readyz` answers `ok` and
   * the `default` namespace exists. The first start makes the PKI and picks
   * the port (retrying if the port was taken meanwhile); later starts reuse
   * both.
   */
  async start(): Promise<void> {
    if (this.running) return;
    if (this.#dir === undefined) {
      const dir = await this.#host.makeTempDir(
        "kubeloop-envtest-kube-apiserver-",
        this.#options.tempParent,
      );
      this.#dir = dir;
      await this.#writePki(dir);
    }
    const firstStart = this.#port === undefined;
    for (let attempt = 1; ; attempt++) {
      if (this.#port === undefined) [this.#port] = (await this.#host.freePorts(1)) as [number];
      this.#proc = this.#newProcess(this.#dir);
      try {
        await this.#proc.start();
        return;
      } catch (err) {
        if (!firstStart || attempt >= PORT_ATTEMPTS || !isPortInUse(err)) throw err;
        this.#port = undefined;
      }
    }
  }

  #newProcess(dir: string): ManagedProcess {
    const minor = this.#options.minorVersion;
    const args = [
      `--etcd-servers=${this.#options.etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${this.#port}`,
      `--cert-dir=${dir}`,
      `--tls-cert-file=${dir}/apiserver.crt`,
      `--tls-private-key-file=${dir}/apiserver.key`,
      `--client-ca-file=${dir}/ca.crt`,
      `--token-auth-file=${dir}/tokens.csv`,
      "--authorization-mode=RBAC",
      "--service-cluster-ip-range=10.0.0.0/24",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${dir}/sa.pub`,
      `--service-account-signing-key-file=${dir}/sa.key`,
      // Nothing runs the token controller, so Pods could not be created with it on.
      "--disable-admission-plugins=ServiceAccount",
      // No node will ever serve the `kubernetes` Service.
      "--endpoint-reconciler-type=none",
      "--allow-privileged=true",
      "--profiling=false",
      "--v=1",
    ];
    // The insecure port (8080 by default) exists up to 1.23 and is gone from 1.24.
    if (minor !== undefined && minor < 24) args.push("--insecure-port=0");
    args.push(...(this.#options.extraArgs ?? []));

    const f = this.#runtime.createFetch({ ca: this.#ca });
    const base = `https://127.0.0.1:${this.#port}`;
    const admin = this.#options.users.find((u) => u.groups?.includes("system:masters"));
    const authed = (url: string, init?: RequestInit): Promise<Response> =>
      f(url, {
        ...init,
        headers: admin ? { authorization: `Bearer ${admin.token}` } : {},
      });
    return new ManagedProcess(
      this.#host,
      {
        name: "kube-apiserver",
        command: this.#options.binary,
        args,
        ready: async () => {
          if ((await probeText(f, `${base}/readyz`, 3_000)) !== "ok") return false;
          // The bootstrap controller creates `default` shortly after /readyz passes.
          if (!admin) return true;
          return (
            (await probeText(authed, `${base}/api/v1/namespaces/default`, 3_000)) !== undefined
          );
        },
      },
      {
        dir,
        startTimeoutMs: this.#options.startTimeoutMs,
        stopTimeoutMs: this.#options.stopTimeoutMs,
        clock: this.#options.clock,
        pollIntervalMs: 200,
      },
    );
  }

  /** Stop kube-apiserver (SIGTERM, then SIGKILL). Idempotent. */
  async stop(): Promise<void> {
    await this.#proc?.stop();
  }

  /** Stop and remove the scratch directory. */
  async cleanup(): Promise<void> {
    await this.stop();
    if (this.#dir !== undefined) {
      await this.#host.removeDir(this.#dir);
      this.#dir = undefined;
    }
  }

  /** The end of kube-apiserver's log. */
  logTail(lines = 30): Promise<string> {
    return this.#proc?.logTail(lines) ?? Promise.resolve("");
  }

  /** For exit hooks: SIGKILL now and remove the directory, synchronously. */
  killAndRemoveSync(): void {
    this.#proc?.killNow();
    if (this.#dir !== undefined) this.#host.removeDirSync(this.#dir);
  }
}

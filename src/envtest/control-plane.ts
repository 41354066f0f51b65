/**
 * Layer 2 of envtest: etcd, then kube-apiserver. A failure after etcd
 * started stops etcd again; stopping goes on past errors and reports every
 * one. kube-apiserver can be restarted with etcd's data kept, and etcd can be
 * stopped and started, for reliability tests ("API server restart → 410 →
 * relist").
 *
 * @module
 */
import type { ProcessHost } from "../runtime/processes.ts";
import type { Runtime } from "../runtime/types.ts";
import type { Clock } from "../util/clock.ts";
import { ApiServer, type TokenUser } from "./apiserver.ts";
import { EnvtestError, StopError } from "./errors.ts";
import { Etcd } from "./etcd.ts";

/**
 * Options of {@link ControlPlane}.
 *
 * @example
 * ```ts
 * import type { ControlPlaneOptions } from "kubeloop/envtest";
 * const options: ControlPlaneOptions = {
 *   binaries: { etcd: "/usr/bin/etcd", kubeApiserver: "/opt/k8s/kube-apiserver" },
 *   users: [{ name: "admin", token: "s3cret", groups: ["system:masters"] }],
 * };
 * ```
 */
export interface ControlPlaneOptions {
  /** Paths of the two binaries. */
  binaries: { etcd: string; kubeApiserver: string };
  /** Users of kube-apiserver's static token file. */
  users: readonly TokenUser[];
  /** kube-apiserver's minor version, for version-specific flags. */
  minorVersion?: number | undefined;
  /** Extra flags for etcd. */
  etcdArgs?: readonly string[] | undefined;
  /** Extra flags for kube-apiserver. */
  apiServerArgs?: readonly string[] | undefined;
  /** Parent of the scratch directories. */
  tempParent?: string | undefined;
  /** Readiness deadline per process (default 60 s). */
  startTimeoutMs?: number | undefined;
  /** SIGTERM → SIGKILL grace per process (default 20 s). */
  stopTimeoutMs?: number | undefined;
  /** Clock for deadlines (default: real). */
  clock?: Clock | undefined;
}

/**
 * etcd plus kube-apiserver.
 *
 * @example
 * ```ts
 * import { ControlPlane, loadProcessHost } from "kubeloop/envtest";
 * import { loadRuntime } from "kubeloop";
 * const plane = new ControlPlane(await loadProcessHost(), await loadRuntime(), {
 *   binaries: { etcd: "/usr/bin/etcd", kubeApiserver: "/opt/k8s/kube-apiserver" },
 *   users: [{ name: "admin", token: "s3cret", groups: ["system:masters"] }],
 * });
 * await plane.start();
 * await plane.restartApiServer(); // same port, same data
 * await plane.stop();
 * ```
 */
export class ControlPlane {
  /** The etcd member. */
  readonly etcd: Etcd;
  readonly #host: ProcessHost;
  readonly #runtime: Runtime;
  readonly #options: ControlPlaneOptions;
  #apiServer: ApiServer | undefined;
  #stopping: Promise<void> | undefined;

  /**
   * Describe the control plane; nothing starts until {@link ControlPlane.start}.
   *
   * @param host the runtime's process support.
   * @param runtime for TLS probes.
   * @param options binaries, users, flags and deadlines.
   */
  constructor(host: ProcessHost, runtime: Runtime, options: ControlPlaneOptions) {
    this.#host = host;
    this.#runtime = runtime;
    this.#options = options;
    this.etcd = new Etcd(host, {
      binary: options.binaries.etcd,
      extraArgs: options.etcdArgs,
      tempParent: options.tempParent,
      startTimeoutMs: options.startTimeoutMs,
      stopTimeoutMs: options.stopTimeoutMs,
      clock: options.clock,
    });
  }

  /** kube-apiserver (after {@link ControlPlane.start}). */
  get apiServer(): ApiServer {
    if (!this.#apiServer) throw new Error("the control plane has not been started");
    return this.#apiServer;
  }

  /** Ids of the processes running now. */
  get pids(): number[] {
    return [this.etcd.pid, this.#apiServer?.pid].filter((p): p is number => p !== undefined);
  }

  /** The scratch directories that exist now. */
  get dirs(): string[] {
    return [this.etcd.dir, this.#apiServer?.dir].filter((d): d is string => d !== undefined);
  }

  /**
   * Start etcd, then kube-apiserver. If either fails, whatever started is
   * stopped and the scratch directories are removed before the error is
   * thrown (stop failures join it in a {@link StopError}). A control plane
   * that has been stopped cannot start again.
   */
  async start(): Promise<void> {
    if (this.#stopping) {
      throw new EnvtestError("envtest: this control plane has been stopped; create a new one");
    }
    try {
      await this.etcd.start();
      this.#apiServer ??= new ApiServer(this.#host, this.#runtime, {
        binary: this.#options.binaries.kubeApiserver,
        etcdUrl: this.etcd.url,
        users: this.#options.users,
        minorVersion: this.#options.minorVersion,
        extraArgs: this.#options.apiServerArgs,
        tempParent: this.#options.tempParent,
        startTimeoutMs: this.#options.startTimeoutMs,
        stopTimeoutMs: this.#options.stopTimeoutMs,
        clock: this.#options.clock,
      });
      await this.#apiServer.start();
    } catch (err) {
      const errors = await this.#cleanupAll();
      if (errors.length) throw new StopError([err, ...errors]);
      throw err;
    }
  }

  /** Stop kube-apiserver only (etcd and its data stay). */
  async stopApiServer(): Promise<void> {
    await this.#apiServer?.stop();
  }

  /** Start kube-apiserver again on the same port with the same PKI and users. */
  async startApiServer(): Promise<void> {
    await this.apiServer.start();
  }

  /**
   * Stop kube-apiserver and start it again with etcd's data kept. Its watch
   * cache starts empty, so a watch from a resource version older than the
   * restart gets a 410 (`Expired`).
   */
  async restartApiServer(): Promise<void> {
    await this.stopApiServer();
    await this.startApiServer();
  }

  /** Stop etcd (kube-apiserver keeps running and fails its requests). Data is kept. */
  async stopEtcd(): Promise<void> {
    await this.etcd.stop();
  }

  /** Start etcd again with the same ports and data. */
  async startEtcd(): Promise<void> {
    await this.etcd.start();
  }

  async #cleanupAll(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const part of [this.#apiServer, this.etcd]) {
      try {
        await part?.cleanup();
      } catch (err) {
        errors.push(err);
      }
    }
    return errors;
  }

  /**
   * Stop kube-apiserver, then etcd, and remove both scratch directories.
   * Every failure is collected into one {@link StopError}. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const errors = await this.#cleanupAll();
      if (errors.length) throw new StopError(errors);
    })();
    return this.#stopping;
  }

  /** For exit hooks: SIGKILL both processes and remove the directories, synchronously. */
  killAndRemoveSync(): void {
    this.#apiServer?.killAndRemoveSync();
    this.etcd.killAndRemoveSync();
  }
}

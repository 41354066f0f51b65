/**
 * etcd for a test control plane: one member, plain HTTP on two free
 * 127.0.0.1 ports, data in its scratch directory (kept across stop/start).
 *
 * @module
 */
import type { ProcessHost } from "../runtime/processes.ts";
import type { Clock } from "../util/clock.ts";
import { ProcessStartError } from "./errors.ts";
import { probeText } from "./http.ts";
import { ManagedProcess } from "./process-lifecycle.ts";

/**
 * Options of {@link Etcd}.
 *
 * @example
 * ```ts
 * import type { EtcdOptions } from "kubeloop/envtest";
 * const options: EtcdOptions = { binary: "/usr/bin/etcd", extraArgs: ["--unsafe-no-fsync"] };
 * ```
 */
export interface EtcdOptions {
  /** Path of the `etcd` binary. */
  binary: string;
  /** More command-line flags (appended; a later flag wins). */
  extraArgs?: readonly string[] | undefined;
  /** Parent of the scratch directory (default: the system's temporary directory). */
  tempParent?: string | undefined;
  /** Readiness deadline (default 60 s). */
  startTimeoutMs?: number | undefined;
  /** SIGTERM → SIGKILL grace (default 20 s). */
  stopTimeoutMs?: number | undefined;
  /** Clock for deadlines (default: real). */
  clock?: Clock | undefined;
}

/** Retries when a port picked as free was taken before the process bound it. */
const PORT_ATTEMPTS = 3;

/**
 * Is `err` a start failure caused by a port that someone else took?
 *
 * @example
 * ```ts
 * import { isPortInUse } from "./etcd.ts";
 * declare const err: unknown;
 * if (isPortInUse(err)) console.log("pick other ports and retry");
 * ```
 */
export function isPortInUse(err: unknown): boolean {
  return err instanceof ProcessStartError && /address already in use/i.test(err.logTail);
}

/**
 * One etcd member for tests.
 *
 * @example
 * ```ts
 * import { Etcd, loadProcessHost } from "kubeloop/envtest";
 * const etcd = new Etcd(await loadProcessHost(), { binary: "/usr/bin/etcd" });
 * await etcd.start();
 * console.log(etcd.url); // http://127.0.0.1:<port>
 * await etcd.cleanup();
 * ```
 */
export class Etcd {
  readonly #host: ProcessHost;
  readonly #options: EtcdOptions;
  #clientPort: number | undefined;
  #peerPort: number | undefined;
  #proc: ManagedProcess | undefined;
  #dir: string | undefined;

  /**
   * Describe the member; nothing starts until {@link Etcd.start}.
   *
   * @param host the runtime's process support.
   * @param options binary and deadlines.
   */
  constructor(host: ProcessHost, options: EtcdOptions) {
    this.#host = host;
    this.#options = options;
  }

  /** The client URL (after the first start). */
  get url(): string {
    if (this.#clientPort === undefined) throw new Error("etcd has not been started");
    return `http://127.0.0.1:${this.#clientPort}`;
  }

  /** The scratch directory (data and log), after the first start. */
  get dir(): string | undefined {
    return this.#dir;
  }

  /** The running process's id, if any. */
  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** Whether etcd is running. */
  get running(): boolean {
    return this.#proc?.running ?? false;
  }

  /**
   * Start etcd (again) and wait for `/health`. The first start picks the
   * ports (retrying with new ones if a port was taken meanwhile); later starts
   * reuse them and the data.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.#dir ??= await this.#host.makeTempDir("kubeloop-envtest-etcd-", this.#options.tempParent);
    const firstStart = this.#clientPort === undefined;
    for (let attempt = 1; ; attempt++) {
      if (this.#clientPort === undefined || this.#peerPort === undefined) {
        [this.#clientPort, this.#peerPort] = (await this.#host.freePorts(2)) as [number, number];
      }
      this.#proc = this.#newProcess(this.#dir);
      try {
        await this.#proc.start();
        return;
      } catch (err) {
        if (!firstStart || attempt >= PORT_ATTEMPTS || !isPortInUse(err)) throw err;
        this.#clientPort = this.#peerPort = undefined;
      }
    }
  }

  #newProcess(dir: string): ManagedProcess {
    const client = `http://127.0.0.1:${this.#clientPort}`;
    const peer = `http://127.0.0.1:${this.#peerPort}`;
    const health = `${client}/health`;
    const args = [
      "--name=envtest",
      `--data-dir=${dir}/data`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=envtest=${peer}`,
      "--initial-cluster-state=new",
      "--initial-cluster-token=kubeloop-envtest",
      "--logger=zap",
      "--log-outputs=stderr",
      ...(this.#options.extraArgs ?? []),
    ];
    return new ManagedProcess(
      this.#host,
      {
        name: "etcd",
        command: this.#options.binary,
        args,
        ready: async () =>
          (await probeText((u, i) => fetch(u, i), health, 2_000))?.includes('"health":"true"') ??
          false,
      },
      {
        dir,
        startTimeoutMs: this.#options.startTimeoutMs,
        stopTimeoutMs: this.#options.stopTimeoutMs,
        clock: this.#options.clock,
      },
    );
  }

  /** Stop etcd (SIGTERM, then SIGKILL); the data stays. Idempotent. */
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

  /** The end of etcd's log. */
  logTail(lines = 30): Promise<string> {
    return this.#proc?.logTail(lines) ?? Promise.resolve("");
  }

  /** For exit hooks: SIGKILL now and remove the directory, synchronously. */
  killAndRemoveSync(): void {
    this.#proc?.killNow();
    if (this.#dir !== undefined) this.#host.removeDirSync(this.#dir);
  }
}

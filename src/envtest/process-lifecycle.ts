/**
 * Layer 1 of envtest: one long-running process. Spawn it with its output in
 * a log file, poll a readiness check until a deadline, notice an early exit
 * (and show the end of the log), stop it with SIGTERM and then SIGKILL, and
 * remove its scratch directory.
 *
 * @module
 */
import type { ProcessExit, ProcessHost, SpawnedProcess } from "../runtime/processes.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { ProcessStartError, StopError } from "./errors.ts";

/**
 * What to run and how to tell that it is ready.
 *
 * @example
 * ```ts
 * import type { ProcessSpec } from "kubeloop/envtest";
 * declare const dataDir: string;
 * const spec: ProcessSpec = {
 *   name: "etcd",
 *   command: "/usr/bin/etcd",
 *   args: ["--data-dir", dataDir],
 *   ready: async () => (await fetch("http://127.0.0.1:2379/health")).ok,
 * };
 * ```
 */
export interface ProcessSpec {
  /** A short name for messages (`"etcd"`). */
  name: string;
  /** The executable. */
  command: string;
  /** Its arguments. */
  args: readonly string[];
  /** Extra environment variables. */
  env?: Record<string, string> | undefined;
  /**
   * One readiness probe: resolves `true` when ready. A rejection counts as
   * "not yet". Give it its own short timeout (e.g. `AbortSignal.timeout`).
   */
  ready: () => Promise<boolean>;
}

/**
 * Options of {@link ManagedProcess}.
 *
 * @example
 * ```ts
 * import type { ManagedProcessOptions } from "kubeloop/envtest";
 * const options: ManagedProcessOptions = { startTimeoutMs: 60_000, stopTimeoutMs: 20_000 };
 * ```
 */
export interface ManagedProcessOptions {
  /** The process's scratch directory; created (and later removed) when not given. */
  dir?: string | undefined;
  /** Parent of a created scratch directory (default: the system's temporary directory). */
  tempParent?: string | undefined;
  /** How long `start()` waits for readiness (default 60 s). */
  startTimeoutMs?: number | undefined;
  /** How long `stop()` waits after SIGTERM before SIGKILL (default 20 s). */
  stopTimeoutMs?: number | undefined;
  /** Time between readiness probes (default 100 ms). */
  pollIntervalMs?: number | undefined;
  /** Lines of log shown in errors (default 30). */
  logTailLines?: number | undefined;
  /** Clock for the deadline and the polling (default: the real clock). */
  clock?: Clock | undefined;
}

/**
 * Read the last `lines` lines of a file ("" when it cannot be read).
 *
 * @example
 * ```ts
 * import { loadProcessHost, readLogTail } from "kubeloop/envtest";
 * declare const logFile: string;
 * const host = await loadProcessHost();
 * console.log(await readLogTail(host, logFile, 20));
 * ```
 */
export async function readLogTail(host: ProcessHost, path: string, lines = 30): Promise<string> {
  try {
    const text = await host.readTextFile(path);
    return text
      .split("\n")
      .slice(-lines - 1)
      .join("\n");
  } catch {
    return "";
  }
}

/**
 * One process with a scratch directory, a readiness deadline and an orderly
 * stop. It can be started again after `stop()` (same arguments, same
 * directory): the control plane uses that to restart kube-apiserver with
 * etcd's data kept.
 *
 * @example
 * ```ts
 * import { loadProcessHost, ManagedProcess } from "kubeloop/envtest";
 * const host = await loadProcessHost();
 * const proc = new ManagedProcess(host, {
 *   name: "sleeper",
 *   command: "sleep",
 *   args: ["60"],
 *   ready: async () => true,
 * });
 * await proc.start();
 * await proc.stop();
 * await proc.cleanup(); // removes the scratch directory it created
 * ```
 */
export class ManagedProcess {
  readonly #host: ProcessHost;
  readonly #spec: ProcessSpec;
  readonly #options: ManagedProcessOptions;
  readonly #clock: Clock;
  #dir: string | undefined;
  readonly #ownsDir: boolean;
  #proc: SpawnedProcess | undefined;
  #stopping: Promise<void> | undefined;

  /**
   * Describe the process; nothing starts until {@link ManagedProcess.start}.
   *
   * @param host the runtime's process support.
   * @param spec what to run.
   * @param options deadlines and the scratch directory.
   */
  constructor(host: ProcessHost, spec: ProcessSpec, options: ManagedProcessOptions = {}) {
    this.#host = host;
    this.#spec = spec;
    this.#options = options;
    this.#clock = options.clock ?? realClock;
    this.#dir = options.dir;
    this.#ownsDir = options.dir === undefined;
  }

  /** The process's name. */
  get name(): string {
    return this.#spec.name;
  }

  /** The scratch directory (after the first `start()` when created). */
  get dir(): string | undefined {
    return this.#dir;
  }

  /** The log file (stdout and stderr), once there is a scratch directory. */
  get logFile(): string | undefined {
    return this.#dir === undefined ? undefined : `${this.#dir}/${this.#spec.name}.log`;
  }

  /** The running process's id, or `undefined`. */
  get pid(): number | undefined {
    return this.#proc?.running ? this.#proc.pid : undefined;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.#proc?.running ?? false;
  }

  /** Create the scratch directory now (if it is to be created) and return it. */
  async ensureDir(): Promise<string> {
    this.#dir ??= await this.#host.makeTempDir(
      `kubeloop-envtest-${this.#spec.name}-`,
      this.#options.tempParent,
    );
    return this.#dir;
  }

  /**
   * Start the process and wait until `spec.ready()` passes. On an early exit
   * or a missed deadline it throws {@link ProcessStartError} with the end of
   * the log (and leaves nothing running).
   */
  async start(): Promise<void> {
    if (this.running) return;
    const dir = await this.ensureDir();
    const logFile = this.logFile!;
    const tailLines = this.#options.logTailLines ?? 30;
    let proc: SpawnedProcess;
    try {
      proc = await this.#host.spawn(this.#spec.command, this.#spec.args, {
        logFile,
        cwd: dir,
        ...(this.#spec.env ? { env: this.#spec.env } : {}),
      });
    } catch (err) {
      throw new ProcessStartError(
        this.#spec.name,
        `could not be started (${this.#spec.command}): ${(err as Error)?.message ?? err}`,
        "",
        undefined,
        { cause: err },
      );
    }
    this.#proc = proc;
    this.#stopping = undefined;
    // Waiting for readiness keeps the program alive even when the clock is a fake one.
    proc.keepAlive(true);
    const timeoutMs = this.#options.startTimeoutMs ?? 60_000;
    const interval = this.#options.pollIntervalMs ?? 100;
    const deadline = this.#clock.now() + timeoutMs;
    let exit: ProcessExit | undefined;
    void proc.exited.then((e) => {
      exit = e;
    });
    for (;;) {
      if (exit) {
        const how = exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal}`;
        throw new ProcessStartError(
          this.#spec.name,
          `exited (${how}) before it was ready`,
          await readLogTail(this.#host, logFile, tailLines),
          exit,
        );
      }
      if (await this.#spec.ready().catch(() => false)) {
        if (exit) continue; // exited while the probe ran: report that
        proc.keepAlive(false); // a ready process does not hold the program open
        return;
      }
      if (this.#clock.now() >= deadline) {
        const tail = await readLogTail(this.#host, logFile, tailLines);
        await this.stop().catch(() => {});
        throw new ProcessStartError(
          this.#spec.name,
          `was not ready after ${Math.round(timeoutMs / 1000)} s`,
          tail,
        );
      }
      await this.#clock.sleep(interval);
    }
  }

  /**
   * SIGTERM, wait up to `stopTimeoutMs`, then SIGKILL. Idempotent; concurrent
   * calls share one stop. Throws {@link StopError} if the process survives
   * SIGKILL for the same time again.
   */
  stop(): Promise<void> {
    const proc = this.#proc;
    if (!proc) return Promise.resolve();
    this.#stopping ??= (async () => {
      if (!proc.running) return;
      proc.keepAlive(true); // stay alive until it has exited
      const timeoutMs = this.#options.stopTimeoutMs ?? 20_000;
      proc.kill("SIGTERM");
      if (await this.#exitsWithin(proc, timeoutMs)) return;
      proc.kill("SIGKILL");
      if (await this.#exitsWithin(proc, timeoutMs)) return;
      throw new StopError([
        new Error(`${this.#spec.name} (pid ${proc.pid}) is still running after SIGKILL`),
      ]);
    })();
    return this.#stopping;
  }

  async #exitsWithin(proc: SpawnedProcess, ms: number): Promise<boolean> {
    const ac = new AbortController();
    const timer = this.#clock.sleep(ms, ac.signal).then(
      () => false,
      () => false,
    );
    const done = await Promise.race([proc.exited.then(() => true), timer]);
    ac.abort();
    return done;
  }

  /** Stop (if running) and remove the scratch directory if this object created it. */
  async cleanup(): Promise<void> {
    await this.stop();
    if (this.#ownsDir && this.#dir !== undefined) {
      await this.#host.removeDir(this.#dir);
      this.#dir = undefined;
    }
  }

  /** For exit hooks: SIGKILL the process group now, without waiting. */
  killNow(): void {
    const proc = this.#proc;
    if (proc?.running) this.#host.killGroupSync(proc.pid, "SIGKILL");
  }

  /** The last lines of the log. */
  logTail(lines = 30): Promise<string> {
    const file = this.logFile;
    return file ? readLogTail(this.#host, file, lines) : Promise.resolve("");
  }
}

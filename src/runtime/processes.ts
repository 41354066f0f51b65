/**
 * The runtime contract for long-running child processes and their scratch
 * space: spawning with output to a log file, signals, temporary directories,
 * file writes, free loopback ports and exit hooks. `kubeloop/envtest` runs
 * etcd and kube-apiserver through it; everything else in envtest stays
 * web-standard.
 *
 * Node, Deno and Bun share one implementation built on `node:child_process`,
 * `node:fs`, `node:net` and `node:process` (all three runtimes provide these
 * modules and behave alike for what is used here: checked by
 * `test/envtest/*.test.ts` on each). workerd and browsers cannot spawn
 * processes: {@link loadProcessHost} rejects there.
 *
 * @module
 */
import { detectRuntime } from "./mod.ts";
import { TransportUnsupportedError } from "./types.ts";

/**
 * Signals envtest sends to the processes it started.
 *
 * @example
 * ```ts
 * import type { ProcessSignal, SpawnedProcess } from "kubeloop/envtest";
 * declare const proc: SpawnedProcess;
 * const signal: ProcessSignal = "SIGTERM";
 * proc.kill(signal);
 * ```
 */
export type ProcessSignal = "SIGTERM" | "SIGKILL" | "SIGINT";

/**
 * How a process ended: its exit code, or the signal that killed it.
 *
 * @example
 * ```ts
 * import type { ProcessExit, SpawnedProcess } from "kubeloop/envtest";
 * declare const proc: SpawnedProcess;
 * const exit: ProcessExit = await proc.exited;
 * console.log(exit.code ?? exit.signal);
 * ```
 */
export interface ProcessExit {
  /** Exit code, or `null` when a signal ended the process. */
  code: number | null;
  /** The signal that ended the process (e.g. `"SIGTERM"`), or `null`. */
  signal: string | null;
}

/**
 * Options of {@link ProcessHost.spawn}.
 *
 * @example
 * ```ts
 * import { loadProcessHost, type SpawnOptions } from "kubeloop/envtest";
 * const host = await loadProcessHost();
 * const dir = await host.makeTempDir("demo-");
 * const options: SpawnOptions = { logFile: `${dir}/out.log`, cwd: dir };
 * const proc = await host.spawn("sleep", ["5"], options);
 * ```
 */
export interface SpawnOptions {
  /** Standard output and standard error are appended to this file. */
  logFile: string;
  /** Working directory (default: the current one). */
  cwd?: string | undefined;
  /** Extra environment variables, added to the current environment. */
  env?: Record<string, string> | undefined;
}

/**
 * A process started by {@link ProcessHost.spawn}. It runs in a process group
 * of its own, so signals reach it and anything it started, and it does not
 * keep the parent's event loop alive.
 *
 * @example
 * ```ts
 * import { loadProcessHost } from "kubeloop/envtest";
 * const host = await loadProcessHost();
 * const dir = await host.makeTempDir("demo-");
 * const proc = await host.spawn("sleep", ["60"], { logFile: `${dir}/sleep.log` });
 * proc.kill("SIGTERM");
 * console.log(await proc.exited); // { code: null, signal: "SIGTERM" }
 * await host.removeDir(dir);
 * ```
 */
export interface SpawnedProcess {
  /** Operating-system process id. */
  readonly pid: number;
  /** Resolves (never rejects) once the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** Whether the process is still running, as far as this handle knows. */
  readonly running: boolean;
  /** Send `signal` to the process group. Does nothing once the process has exited. */
  kill(signal: ProcessSignal): void;
  /**
   * Whether the running process keeps the parent's event loop alive (default
   * `false`). Turn it on while waiting for the process (to become ready, to
   * exit), so that a wait driven only by `exited` cannot end the program early.
   */
  keepAlive(on: boolean): void;
}

/**
 * What envtest needs from the runtime to run processes. Paths are absolute
 * file-system paths.
 *
 * @example
 * ```ts
 * import { loadProcessHost } from "kubeloop/envtest";
 * const host = await loadProcessHost();
 * const [port] = await host.freePorts(1);
 * const dir = await host.makeTempDir("demo-");
 * await host.writeFile(`${dir}/hello.txt`, "hi", { mode: 0o600 });
 * await host.removeDir(dir);
 * ```
 */
export interface ProcessHost {
  /**
   * Start `command` with `args`. Rejects when it cannot be started at all
   * (missing file, not executable); later failures show up in
   * {@link SpawnedProcess.exited}.
   */
  spawn(command: string, args: readonly string[], options: SpawnOptions): Promise<SpawnedProcess>;
  /** Create a new, private (0700) directory under `parent` (default: the system's temporary directory). */
  makeTempDir(prefix: string, parent?: string): Promise<string>;
  /** Remove a directory tree; a missing directory is not an error. */
  removeDir(path: string): Promise<void>;
  /** The same, synchronously: for exit hooks, which cannot wait. */
  removeDirSync(path: string): void;
  /** Write a file (replacing it). */
  writeFile(path: string, data: string | Uint8Array, options?: { mode?: number }): Promise<void>;
  /** Read a UTF-8 file. */
  readTextFile(path: string): Promise<string>;
  /** Whether `path` exists. */
  exists(path: string): Promise<boolean>;
  /** Whether `path` is a regular file this process may execute. */
  isExecutable(path: string): Promise<boolean>;
  /** Whether a process with this id exists (it may belong to anyone). */
  processExists(pid: number): boolean;
  /** Send `signal` to a process group synchronously, ignoring errors (for exit hooks). */
  killGroupSync(pid: number, signal: ProcessSignal): void;
  /** `count` distinct TCP ports that were free on `host` (default `127.0.0.1`) a moment ago. */
  freePorts(count: number, host?: string): Promise<number[]>;
  /**
   * Run `hook` (synchronous) when this process exits, and on SIGINT/SIGTERM
   * before the default action (the process then still ends by that signal,
   * unless someone else also listens for it). Returns a function that
   * unregisters the hook.
   */
  onExit(hook: () => void): () => void;
  /** An environment variable, or `undefined`. */
  env(name: string): string | undefined;
  /** The separator of the `PATH` variable (`:` or `;`). */
  readonly pathDelimiter: string;
}

/**
 * The {@link ProcessHost} of the current runtime (Node, Deno or Bun).
 * Rejects with {@link TransportUnsupportedError} on workerd and in browsers.
 *
 * @example
 * ```ts
 * import { loadProcessHost } from "kubeloop/envtest";
 * const host = await loadProcessHost();
 * const dir = await host.makeTempDir("my-test-");
 * ```
 */
export async function loadProcessHost(): Promise<ProcessHost> {
  const name = detectRuntime();
  if (name === "node" || name === "deno" || name === "bun") {
    return (await import("./process-node.ts")).nodeProcessHost;
  }
  throw new TransportUnsupportedError(
    name,
    `${name}: cannot start processes; kubeloop/envtest needs Node, Deno or Bun`,
  );
}

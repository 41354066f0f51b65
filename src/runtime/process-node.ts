/**
 * {@link ProcessHost} on `node:child_process`, `node:fs`, `node:net` and
 * `node:process`: used on Node, Deno and Bun alike.
 *
 * @module
 */
import { spawn as nodeSpawn } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import type {
  ProcessExit,
  ProcessHost,
  ProcessSignal,
  SpawnedProcess,
  SpawnOptions,
} from "./processes.ts";

function killGroup(pid: number, signal: ProcessSignal): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone (or was never created): fall back to the process itself
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function spawnProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<SpawnedProcess> {
  const fd = openSync(options.logFile, "a", 0o600);
  let child: ReturnType<typeof nodeSpawn>;
  try {
    child = nodeSpawn(command, [...args], {
      stdio: ["ignore", fd, fd],
      detached: true, // own process group: signals reach the whole tree, Ctrl-C goes through our hooks
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: { ...process.env, ...(options.env ?? {}) },
    });
  } finally {
    closeSync(fd);
  }
  // `spawn` reports a missing or non-executable file through an 'error' event.
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    child.once("error", onError);
    child.once("spawn", () => {
      child.off("error", onError);
      resolve();
    });
  });
  child.unref();
  let running = true;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });
  const pid = child.pid!;
  return {
    pid,
    exited,
    get running(): boolean {
      return running;
    },
    kill(signal: ProcessSignal): void {
      if (running) killGroup(pid, signal);
    },
    keepAlive(on: boolean): void {
      if (on) child.ref();
      else child.unref();
    },
  };
}

function listenOnce(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port: 0, host, exclusive: true }, () => resolve(server));
  });
}

const exitHooks = new Set<() => void>();
let installed = false;

function runExitHooks(): void {
  for (const hook of [...exitHooks]) {
    exitHooks.delete(hook);
    try {
      hook();
    } catch {
      // an exit hook must not stop the others
    }
  }
}

function onSignal(signal: "SIGINT" | "SIGTERM"): void {
  runExitHooks();
  uninstall();
  // Nobody else handles this signal: die of it, as the default action would.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
const onSigint = (): void => onSignal("SIGINT");
const onSigterm = (): void => onSignal("SIGTERM");

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", runExitHooks);
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off("exit", runExitHooks);
  process.off("SIGINT", onSigint);
  process.off("SIGTERM", onSigterm);
}

/**
 * The Node/Deno/Bun {@link ProcessHost}. Not exported from the package:
 * `loadProcessHost()` returns it.
 *
 * @example
 * ```ts
 * import { loadProcessHost } from "kubeloop/envtest";
 * const host = await loadProcessHost(); // this object on Node, Deno and Bun
 * const ports = await host.freePorts(2);
 * ```
 */
export const nodeProcessHost: ProcessHost = {
  spawn: spawnProcess,
  async makeTempDir(prefix: string, parent?: string): Promise<string> {
    const dir = await mkdtemp(join(parent ?? tmpdir(), prefix));
    await chmod(dir, 0o700);
    return dir;
  },
  removeDir: (path: string): Promise<void> =>
    rm(path, { recursive: true, force: true, maxRetries: 3 }),
  removeDirSync(path: string): void {
    rmSync(path, { recursive: true, force: true, maxRetries: 3 });
  },
  async writeFile(path: string, data: string | Uint8Array, options = {}): Promise<void> {
    await writeFile(path, data, { mode: options.mode ?? 0o644 });
    if (options.mode !== undefined) await chmod(path, options.mode);
  },
  readTextFile: (path: string): Promise<string> => readFile(path, "utf8"),
  async exists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch {
      return false;
    }
  },
  async isExecutable(path: string): Promise<boolean> {
    // Mode bits rather than access(X_OK): Deno's access() needs --allow-sys (it reads the uid).
    try {
      const st = await stat(path);
      return st.isFile() && (st.mode & 0o111) !== 0;
    } catch {
      return false;
    }
  },
  processExists(pid: number): boolean {
    try {
      process.kill(pid, 0);
    } catch (err) {
      return (err as { code?: string }).code === "EPERM";
    }
    // A killed process whose parent is gone waits for PID 1 to reap it; containers whose PID 1
    // does not reap leave such zombies for good. A zombie runs nothing: count it as gone.
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
    } catch {
      return true; // no /proc (macOS): kill(0) is all we know
    }
  },
  killGroupSync: killGroup,
  async freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
    // Hold every listener open until all ports are known, so the ports differ.
    const servers: Server[] = [];
    try {
      for (let i = 0; i < count; i++) servers.push(await listenOnce(host));
      return servers.map((s) => {
        const address = s.address();
        if (!address || typeof address === "string") throw new Error("no TCP address");
        return address.port;
      });
    } finally {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
  },
  onExit(hook: () => void): () => void {
    exitHooks.add(hook);
    install();
    return () => {
      exitHooks.delete(hook);
      if (exitHooks.size === 0) uninstall();
    };
  },
  env: (name: string): string | undefined => process.env[name],
  pathDelimiter: delimiter,
};

/**
 * The "something outside the cluster" the operator example cleans up with
 * its finalizer: a registry of host names (think DNS records or a CDN
 * configuration). `FakeRegistry` keeps entries in memory and can be told to
 * fail, to show that a failing cleanup keeps the Website and is retried.
 *
 * @module
 */

/** An external registry of host → target. Both calls must be idempotent. */
export interface ExternalRegistry {
  /** Point `host` at `target` (create or update). */
  register(host: string, target: string, signal?: AbortSignal): Promise<void>;
  /** Remove `host` (nothing to do if it is not there). */
  unregister(host: string, signal?: AbortSignal): Promise<void>;
}

/** Thrown by {@link FakeRegistry} while it is told to fail. */
export class RegistryUnavailableError extends Error {
  override readonly name = "RegistryUnavailableError";
}

/** An in-memory {@link ExternalRegistry} that counts calls and fails on request. */
export class FakeRegistry implements ExternalRegistry {
  /** host → target. */
  readonly entries: Map<string, string> = new Map();
  /** Every call, in order (`register host` / `unregister host`). */
  readonly calls: string[] = [];
  #failures = 0;
  #failOnly: "register" | "unregister" | undefined;

  /** Fail the next `n` calls (of one kind, or both). */
  failNext(n: number, only?: "register" | "unregister"): void {
    this.#failures = n;
    this.#failOnly = only;
  }

  async register(host: string, target: string): Promise<void> {
    this.calls.push(`register ${host}`);
    this.#maybeFail("register");
    this.entries.set(host, target);
  }

  async unregister(host: string): Promise<void> {
    this.calls.push(`unregister ${host}`);
    this.#maybeFail("unregister");
    this.entries.delete(host);
  }

  #maybeFail(op: "register" | "unregister"): void {
    if (this.#failures > 0 && (this.#failOnly === undefined || this.#failOnly === op)) {
      this.#failures--;
      throw new RegistryUnavailableError(`registry unavailable (${op})`);
    }
  }
}

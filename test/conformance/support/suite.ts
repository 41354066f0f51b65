// `conformance(title, define)`: write a case once, run it on every target of conformanceTargets().
//
//   await conformance("CRUD", (c) => {
//     c.test("create answers 201 with server-set metadata", async (t) => {
//       const ns = await t.namespace();
//       const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: "a" } });
//       assert.equal(r.status, 201);
//     });
//     c.test("streaming list", { needs: "1.27", older: async (t) => { ...what a 1.20 server does... } }, async (t) => {...});
//   });
//
// A case that needs a newer server than the real one says so in its name ("[needs Kubernetes ≥ 1.27]").
// On an older server it runs its `older` body instead (asserting what that server does, so clients
// know what to fall back from) and its name says so; without an `older` body it is registered on the
// fake targets only, and the real target lists it in a "needs a newer server" test. Nothing is skipped
// silently.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { conformanceTargets } from "../../support/real.ts";
import {
  ETCD_URL_ENV,
  openTarget,
  type Reply,
  type SendOptions,
  type Target,
  uniqueSuffix,
} from "./target.ts";

export type { Reply, Target };

/** Options of one case. */
export interface CaseOptions {
  /** The lowest Kubernetes version that has the behaviour, e.g. `"1.27"`. */
  needs?: string;
  /** On a server older than `needs`: what that server does instead. */
  older?: (t: CaseContext) => Promise<void>;
  /**
   * The case compacts the server's history (`t.target.compact`): on a real
   * server that needs its etcd (`KUBELOOP_TEST_ETCD_URL`); without it the case
   * runs on the fake targets only and the real target lists it.
   */
  compacts?: boolean;
}

/** What a case gets: the target plus namespaces and clean-up scoped to the case. */
export class CaseContext {
  readonly target: Target;
  readonly #namespaces: string[] = [];
  readonly #deferred: (() => Promise<unknown>)[] = [];
  readonly #touched = new Map<string, Set<string>>();

  constructor(target: Target) {
    this.target = target;
  }

  /** Whether this case runs on the real API server. */
  get real(): boolean {
    return this.target.real;
  }

  /** The fake server (throws on the real target: only fake-only assertions may use it). */
  get fake(): NonNullable<Target["fake"]> {
    const f = this.target.fake;
    if (!f) throw new Error("this case asked for the fake server on the real target");
    return f;
  }

  /** Let server time pass (a real sleep on the real server, a fake-clock step on the fake ones). */
  elapse(ms: number): Promise<void> {
    return this.target.elapse(ms);
  }

  /**
   * Ask the server until `check` holds, letting `stepMs` of server time pass
   * between tries ({@link elapse}: a real wait only on the real server, whose
   * controllers run on their own); throws `message` after `tries` tries.
   */
  async until(
    check: () => Promise<boolean>,
    message: string,
    { tries = 100, stepMs = 100 }: { tries?: number; stepMs?: number } = {},
  ): Promise<void> {
    for (let i = 0; i < tries; i++) {
      if (await check()) return;
      await this.elapse(stepMs);
    }
    throw new Error(message);
  }

  /** Create a fresh namespace for this case; it is deleted (with its contents) when the case ends. */
  async namespace(prefix = "kc"): Promise<string> {
    const name = `${prefix}-${uniqueSuffix()}`;
    const r = await this.target.post("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "kubeloop.dev/conformance": "true" } },
    });
    assert.equal(r.status, 201, `creating namespace ${name}: ${r.text}`);
    this.#namespaces.push(name);
    return name;
  }

  /** A unique object name. */
  name(prefix = "o"): string {
    return `${prefix}-${uniqueSuffix()}`;
  }

  /** Run `fn` when the case ends (last registered, first run). */
  defer(fn: () => Promise<unknown>): void {
    this.#deferred.push(fn);
  }

  #track(path: string): void {
    const m = /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)\/namespaces\/([^/?]+)\/([^/?]+)/.exec(path);
    if (!m) return;
    const set = this.#touched.get(m[2]!) ?? new Set<string>();
    set.add(`${m[1]}|${m[3]}`);
    this.#touched.set(m[2]!, set);
  }

  send(method: string, path: string, body?: unknown, options?: SendOptions): Promise<Reply> {
    this.#track(path);
    return this.target.send(method, path, body, options);
  }
  get(path: string, options?: SendOptions): Promise<Reply> {
    this.#track(path);
    return this.target.get(path, options);
  }
  post(path: string, body: unknown, options?: SendOptions): Promise<Reply> {
    this.#track(path);
    return this.target.post(path, body, options);
  }
  put(path: string, body: unknown, options?: SendOptions): Promise<Reply> {
    this.#track(path);
    return this.target.put(path, body, options);
  }
  patch(
    path: string,
    patchType: "merge" | "json" | "strategic" | "apply",
    body: unknown,
    options?: SendOptions,
  ): Promise<Reply> {
    this.#track(path);
    return this.target.patch(path, patchType, body, options);
  }
  delete(path: string, body?: unknown, options?: SendOptions): Promise<Reply> {
    this.#track(path);
    return this.target.delete(path, body, options);
  }
  watch(path: string, init?: RequestInit): ReturnType<Target["watch"]> {
    this.#track(path);
    return this.target.watch(path, init);
  }

  /** Delete what the case made: watches, its namespaces' contents, the namespaces, deferred work. */
  async cleanup(): Promise<void> {
    await this.target.closeWatches();
    const errors: unknown[] = [];
    for (const fn of [...this.#deferred].reverse()) {
      try {
        await fn();
      } catch (e) {
        errors.push(e);
      }
    }
    for (const ns of this.#namespaces) {
      try {
        await deleteNamespace(this.target, ns, this.#touched.get(ns) ?? new Set());
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw errors[0];
  }
}

async function stripFinalizers(target: Target, collection: string): Promise<void> {
  const list = await target.get(collection);
  if (list.status !== 200) return;
  for (const item of list.body.items ?? []) {
    const hasFinalizers = (item.metadata?.finalizers ?? []).length > 0;
    if (!hasFinalizers) continue;
    await target.patch(`${collection}/${item.metadata.name}`, "merge", {
      metadata: { finalizers: null },
    });
  }
}

/**
 * Delete a namespace on a server that may run no controllers: delete its contents (dropping
 * finalizers), delete it, then empty its `spec.finalizers` through `/finalize`.
 */
export async function deleteNamespace(
  target: Target,
  ns: string,
  collections: Set<string>,
): Promise<void> {
  for (const c of collections) {
    const [prefix, plural] = c.split("|") as [string, string];
    const collection = `${prefix}/namespaces/${ns}/${plural}`;
    await stripFinalizers(target, collection);
    await target.delete(`${collection}?gracePeriodSeconds=0`);
    await stripFinalizers(target, collection);
  }
  const del = await target.delete(`/api/v1/namespaces/${ns}`);
  if (del.status === 404) return;
  const current = await target.get(`/api/v1/namespaces/${ns}`);
  if (current.status === 404) return;
  const body = current.body;
  body.spec = { ...(body.spec ?? {}), finalizers: [] };
  const fin = await target.put(`/api/v1/namespaces/${ns}/finalize`, body);
  if (fin.status !== 200 && fin.status !== 404) {
    throw new Error(`finalizing namespace ${ns}: ${fin.status} ${fin.text}`);
  }
}

/** Build cases once; `conformance()` registers them for every target. */
export class Suite {
  readonly cases: { name: string; options: CaseOptions; fn: (t: CaseContext) => Promise<void> }[] =
    [];

  test(name: string, fn: (t: CaseContext) => Promise<void>): void;
  test(name: string, options: CaseOptions, fn: (t: CaseContext) => Promise<void>): void;
  test(
    name: string,
    a: CaseOptions | ((t: CaseContext) => Promise<void>),
    b?: (t: CaseContext) => Promise<void>,
  ): void {
    if (typeof a === "function") this.cases.push({ name, options: {}, fn: a });
    else this.cases.push({ name, options: a, fn: b! });
  }
}

/**
 * Register `title`'s cases for every conformance target. Await it at the top level of the test
 * file: it reads each target's version first, to gate cases that need a newer server.
 */
export async function conformance(title: string, define: (c: Suite) => void): Promise<void> {
  const suite = new Suite();
  define(suite);
  for (const name of conformanceTargets()) {
    const target = await openTarget(name);
    describe(`${title} [${name} ${target.version.gitVersion}]`, () => {
      after(() => target.close());
      const tooNew: string[] = [];
      const needEtcd: string[] = [];
      for (const c of suite.cases) {
        const needs = c.options.needs;
        let label = needs ? `${c.name} [needs Kubernetes ≥ ${needs}]` : c.name;
        let fn = c.fn;
        if (c.options.compacts && !target.compact) {
          needEtcd.push(c.name);
          continue;
        }
        if (needs && !target.atLeast(needs)) {
          if (!c.options.older) {
            tooNew.push(label);
            continue;
          }
          label = `${c.name} [needs Kubernetes ≥ ${needs}; on ${target.version.gitVersion}: what it does instead]`;
          fn = c.options.older;
        }
        it(label, async () => {
          const ctx = new CaseContext(target);
          try {
            await fn(ctx);
          } finally {
            await ctx.cleanup();
          }
        });
      }
      if (needEtcd.length) {
        it(`${needEtcd.length} case(s) compact the server's history and need its etcd (${ETCD_URL_ENV}), so they run on the fake targets only: ${needEtcd.join("; ")}`, () => {
          assert.equal(target.compact, undefined);
        });
      }
      if (tooNew.length) {
        it(`${tooNew.length} case(s) need a newer server than ${target.version.gitVersion} and run on the fake targets only: ${tooNew.join("; ")}`, () => {
          for (const label of tooNew) {
            const needs = /≥ ([\d.]+)/.exec(label)?.[1] ?? "";
            assert.equal(target.atLeast(needs), false);
          }
        });
      }
    });
  }
}

/** Run `fn` before the suite's cases (once per target). Re-exported for files that need it. */
export { before };

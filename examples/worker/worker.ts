/**
 * The ConfigMap mirror (examples/shared/mirror.ts) as a Cloudflare Durable
 * Object controller.
 *
 * - **The alarm runs the controller**: `controller.runUntilIdle()` resumes
 *   from the checkpoint in the object's storage (a watch from its resource
 *   version, no list), reconciles what changed since, checkpoints again and
 *   schedules the next alarm (`ALARM_INTERVAL_MS`, default one minute, or
 *   sooner when a pending key, a retry or a `requeueAfter`, is due before
 *   then: `summary.nextDueAt`). A
 *   compacted server (410) makes it relist once; objects deleted meanwhile
 *   reach the controller as deletes.
 * - **A cron trigger is the watchdog**: `scheduled` wakes the object (an alarm
 *   now) in case nothing has run it yet.
 * - **`fetch` only reports status**, whatever the request says. The API server
 *   and the token come only from bindings (`KUBE_SERVER` in `[vars]`,
 *   `KUBE_TOKEN` as a secret): no request can point the worker at another
 *   host, so the token never leaves for a caller's server.
 *
 * workerd cannot trust a private CA: the API server needs a publicly trusted
 * certificate, or a proxy in front of it (docs/edge.md).
 *
 * test/edge/durable-object.edge.ts bundles this file against the built edge
 * bundle and runs it in workerd through Miniflare; wrangler.toml shows the
 * configuration. In your project, import from `"kubeloop"` instead of
 * `../../src/mod.ts`.
 */
import { DurableObject } from "cloudflare:workers";
import {
  type ConfigMap,
  DurableObjectCheckpointStore,
  KubeClient,
  loadSnapshot,
  type RunUntilIdleSummary,
} from "../../src/mod.ts";
import { createMirror, type MirrorAction } from "../shared/mirror.ts";

/** Bindings (wrangler.toml `[vars]`, secrets, the Durable Object namespace). */
export interface Env {
  /** The API server's URL. Configuration, never request input. */
  KUBE_SERVER: string;
  /** Bearer token (`wrangler secret put KUBE_TOKEN`). */
  KUBE_TOKEN: string;
  /** Namespace the mirrors go to (default `mirror`). */
  MIRROR_TARGET?: string;
  /** Only mirror from this namespace (default: all but the target). */
  MIRROR_SOURCE?: string;
  /** Time between alarms in ms (default 60 000). */
  ALARM_INTERVAL_MS?: string;
  /** Longest run per alarm in ms (default 25 000). */
  RUN_MAX_MS?: string;
  /** How long the watch must be quiet to count as current, in ms (default 1000). */
  SETTLE_MS?: string;
  /** The controller's Durable Object namespace. */
  CONTROLLER: DurableObjectNamespace<MirrorController>;
}

/** One alarm's run, as the status endpoint reports it. */
export interface RunStatus {
  /** When the run ended (ISO time). */
  at: string;
  stoppedBy: RunUntilIdleSummary<ConfigMap>["stoppedBy"] | "error";
  durationMs: number;
  /** Resumed from the checkpoint without a list request. */
  resumedWithoutList: boolean;
  /** Keys reconciled, sorted. */
  reconciled: string[];
  /** What the mirror did. */
  actions: MirrorAction[];
  /** Keys left for the next run. */
  pending: string[];
  /** Failed callbacks and the run's own error, as messages. */
  errors: string[];
  /** Resource version the checkpoint resumes from. */
  resourceVersion: string | undefined;
  /** Size of the checkpoint written, in characters of JSON. */
  checkpointChars: number;
  /** Objects in the checkpoint. */
  checkpointObjects: number;
}

/** What `fetch` answers. */
export interface ControllerStatus {
  /** Runs so far. */
  runs: number;
  /** The last runs, oldest first (at most ten). */
  recent: RunStatus[];
  /** When the next alarm is due (ISO time), if scheduled. */
  nextRun: string | undefined;
}

const CHECKPOINT_KEY = "configmaps";
const STATUS_KEY = "status";
const CONTROLLER_NAME = "configmap-mirror";

function number(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

function message(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** The mirror controller, one per cluster: alarms run it, fetch reports on it. */
export class MirrorController extends DurableObject<Env> {
  readonly #checkpoints: DurableObjectCheckpointStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // the checkpoint is split into parts that fit Durable Object storage values
    this.#checkpoints = new DurableObjectCheckpointStore(ctx.storage);
    // the first time the object wakes, it schedules its first run
    void ctx.blockConcurrencyWhile(async () => {
      if ((await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now());
    });
  }

  /** Run soon: an alarm now, unless one is due sooner. Called by the cron trigger. */
  async wake(): Promise<void> {
    const due = await this.ctx.storage.getAlarm();
    const now = Date.now();
    if (due === null || due > now) await this.ctx.storage.setAlarm(now);
  }

  /** One controller run: resume, catch up, reconcile, checkpoint, schedule the next. */
  override async alarm(): Promise<void> {
    const env = this.env;
    const actions: MirrorAction[] = [];
    const errors: string[] = [];
    let run: RunStatus;
    // when the earliest pending key (a retry, a requeueAfter) is due: the next alarm comes no later
    let nextDueAt: number | undefined;
    const started = Date.now();
    try {
      const mirror = createMirror({
        // the server and token come from bindings only
        client: new KubeClient({ server: env.KUBE_SERVER, token: env.KUBE_TOKEN }),
        targetNamespace: env.MIRROR_TARGET ?? "mirror",
        sourceNamespace: env.MIRROR_SOURCE,
        onAction: (a) => actions.push(a),
        onError: (err, key) => errors.push(`${key}: ${message(err)}`),
        informer: {
          initialState: await loadSnapshot<ConfigMap>(this.#checkpoints, CHECKPOINT_KEY).catch(
            (err: unknown) => {
              errors.push(`checkpoint unreadable, listing: ${message(err)}`);
              return undefined;
            },
          ),
        },
      });
      const summary = await mirror.controller.runUntilIdle({
        maxMs: number(env.RUN_MAX_MS, 25_000),
        settleMs: number(env.SETTLE_MS, 1000),
        checkpoint: { store: this.#checkpoints, key: CHECKPOINT_KEY },
      });
      nextDueAt = summary.nextDueAt;
      run = {
        at: new Date().toISOString(),
        stoppedBy: summary.stoppedBy,
        durationMs: summary.durationMs,
        resumedWithoutList: summary.resumedWithoutList,
        reconciled: [...summary.reconciled].sort(),
        actions,
        pending: summary.pending,
        errors,
        resourceVersion: summary.resourceVersion,
        checkpointChars: summary.snapshot ? JSON.stringify(summary.snapshot).length : 0,
        checkpointObjects: summary.snapshot?.objects.length ?? 0,
      };
    } catch (err) {
      errors.push(message(err));
      run = {
        at: new Date().toISOString(),
        stoppedBy: "error",
        durationMs: Date.now() - started,
        resumedWithoutList: false,
        reconciled: [],
        actions,
        pending: [],
        errors,
        resourceVersion: undefined,
        checkpointChars: 0,
        checkpointObjects: 0,
      };
    }
    const status = (await this.ctx.storage.get<ControllerStatus>(STATUS_KEY)) ?? {
      runs: 0,
      recent: [],
      nextRun: undefined,
    };
    status.runs++;
    status.recent = [...status.recent, run].slice(-10);
    // the interval, or sooner when a pending key is due (never in the past)
    const now = Date.now();
    const next = Math.max(
      now,
      Math.min(now + number(env.ALARM_INTERVAL_MS, 60_000), nextDueAt ?? Number.POSITIVE_INFINITY),
    );
    status.nextRun = new Date(next).toISOString();
    await this.ctx.storage.put(STATUS_KEY, status);
    await this.ctx.storage.setAlarm(next);
  }

  /** Status only: no parameter of the request is read. */
  override async fetch(request: Request): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("status only\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const status = (await this.ctx.storage.get<ControllerStatus>(STATUS_KEY)) ?? {
      runs: 0,
      recent: [],
      nextRun: undefined,
    };
    return Response.json(status);
  }
}

function controller(env: Env): DurableObjectStub<MirrorController> {
  return env.CONTROLLER.get(env.CONTROLLER.idFromName(CONTROLLER_NAME));
}

export default {
  /** Every request gets the controller's status; its URL, query, headers and body are ignored. */
  fetch(request: Request, env: Env): Promise<Response> {
    return controller(env).fetch(
      new Request("https://controller.internal/status", { method: request.method }),
    );
  },
  /** The cron trigger: make sure the controller runs. */
  scheduled(_event: ScheduledController, env: Env, ctx: ExecutionContext): void {
    ctx.waitUntil(controller(env).wake());
  },
};

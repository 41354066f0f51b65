/**
 * Status conditions (apimachinery's `meta.SetStatusCondition` and friends),
 * without mutation: cached objects are shared and read-only, so every helper
 * returns a new list.
 *
 * @module
 */
import type { Condition } from "../resources/common.ts";
import type { Clock } from "../util/clock.ts";

/**
 * A condition's status.
 *
 * @example
 * ```ts
 * import type { ConditionStatus } from "kubeloop";
 * const s: ConditionStatus = "True";
 * ```
 */
export type ConditionStatus = "True" | "False" | "Unknown";

/**
 * The condition to set: `lastTransitionTime` is filled in by
 * {@link setCondition} (given one, it is used when the status changes).
 *
 * @example
 * ```ts
 * import type { ConditionInput } from "kubeloop";
 * const ready: ConditionInput = {
 *   type: "Ready", status: "True", reason: "Available", message: "3/3 replicas ready", observedGeneration: 4,
 * };
 * ```
 */
export interface ConditionInput {
  /** CamelCase type, e.g. `Ready` (or `example.com/Ready`). */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: ConditionStatus;
  /** CamelCase reason for the last change; required by `metav1.Condition`. */
  reason: string;
  /** Human-readable details (default `""`). */
  message?: string | undefined;
  /** The `metadata.generation` this condition was computed from. */
  observedGeneration?: number | undefined;
  /** Transition time to record when the status changes (default: now). */
  lastTransitionTime?: string | undefined;
}

/**
 * What {@link setCondition} and {@link removeCondition} return.
 *
 * @example
 * ```ts
 * import { setCondition, type ConditionsUpdate } from "kubeloop";
 * const update: ConditionsUpdate = setCondition([], { type: "Ready", status: "False", reason: "Pending" }, Date.now());
 * if (update.changed) console.log(update.conditions);
 * ```
 */
export interface ConditionsUpdate {
  /** The new list (a copy: the input is never modified). */
  conditions: Condition[];
  /** Whether anything differs from the input list. */
  changed: boolean;
}

/**
 * An RFC 3339 timestamp with whole seconds, the format of `metav1.Time`.
 *
 * @example
 * ```ts
 * import { formatTime } from "kubeloop";
 * formatTime(Date.UTC(2024, 0, 1, 12, 0, 0, 250)); // "2024-01-01T12:00:00Z"
 * ```
 */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function nowMs(now: Pick<Clock, "now"> | number | Date): number {
  if (typeof now === "number") return now;
  if (now instanceof Date) return now.getTime();
  return now.now();
}

/**
 * Set the condition of `input.type`, returning a new list and whether it
 * changed:
 *
 * - a new type is appended, with `lastTransitionTime` now (or the given one);
 * - for an existing type, `lastTransitionTime` moves only when `status`
 *   changes; `reason`, `message` and `observedGeneration` are replaced;
 * - `changed` is false when the result equals the input, so a reconcile can
 *   skip its status write.
 *
 * @example
 * ```ts
 * import { FakeClock, setCondition } from "kubeloop";
 * const clock = new FakeClock(Date.UTC(2024, 0, 1));
 * let { conditions } = setCondition(undefined, { type: "Ready", status: "False", reason: "Pending" }, clock);
 * await clock.advance(60_000);
 * const again = setCondition(conditions, { type: "Ready", status: "False", reason: "Pending" }, clock);
 * again.changed; // false: lastTransitionTime is still 2024-01-01T00:00:00Z
 * ```
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  now: Pick<Clock, "now"> | number | Date,
): ConditionsUpdate {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const message = input.message ?? "";
  if (i < 0) {
    const added: Condition = {
      type: input.type,
      status: input.status,
      reason: input.reason,
      message,
      lastTransitionTime: input.lastTransitionTime ?? formatTime(nowMs(now)),
      ...(input.observedGeneration !== undefined
        ? { observedGeneration: input.observedGeneration }
        : {}),
    };
    list.push(added);
    return { conditions: list, changed: true };
  }
  const old = list[i]!;
  const transition = old.status !== input.status;
  const next: Condition = {
    ...old,
    status: input.status,
    reason: input.reason,
    message,
    lastTransitionTime: transition
      ? (input.lastTransitionTime ?? formatTime(nowMs(now)))
      : (old.lastTransitionTime ?? input.lastTransitionTime ?? formatTime(nowMs(now))),
  };
  if (input.observedGeneration !== undefined) next.observedGeneration = input.observedGeneration;
  else delete next.observedGeneration;
  const changed =
    transition ||
    old.reason !== next.reason ||
    (old.message ?? "") !== message ||
    old.observedGeneration !== next.observedGeneration ||
    old.lastTransitionTime !== next.lastTransitionTime;
  if (!changed) return { conditions: list, changed: false };
  list[i] = next;
  return { conditions: list, changed: true };
}

/**
 * The condition of `type`, or `undefined`.
 *
 * @example
 * ```ts
 * import { findCondition } from "kubeloop";
 * findCondition([{ type: "Ready", status: "True" }], "Ready")?.status; // "True"
 * ```
 */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Remove the condition of `type`, returning a new list and whether it changed.
 *
 * @example
 * ```ts
 * import { removeCondition } from "kubeloop";
 * removeCondition([{ type: "Ready", status: "True" }], "Ready"); // { conditions: [], changed: true }
 * ```
 */
export function removeCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): ConditionsUpdate {
  const list = (conditions ?? []).filter((c) => c.type !== type);
  return { conditions: list, changed: list.length !== (conditions ?? []).length };
}

/**
 * Whether the condition of `type` is present with `status`.
 *
 * @example
 * ```ts
 * import { isConditionStatus } from "kubeloop";
 * const conditions = [{ type: "Ready", status: "True" }];
 * isConditionStatus(conditions, "Ready", "True"); // true
 * isConditionStatus(conditions, "Degraded", "False"); // false: absent
 * ```
 */
export function isConditionStatus(
  conditions: readonly Condition[] | undefined,
  type: string,
  status: ConditionStatus,
): boolean {
  return findCondition(conditions, type)?.status === status;
}

/**
 * Schemas for the few Kubernetes types that are not plain JSON types:
 * integer-or-string, quantities, times and string maps. Generated kinds and
 * CRD schemas use them, so they are typed and validated the same way everywhere.
 *
 * @module
 */
import * as z from "zod/mini";

/**
 * An integer or a string (`intstr.IntOrString`): a port number or name, a
 * count or a percentage such as `"25%"`.
 *
 * @example
 * ```ts
 * import type { IntOrString } from "kubeloop";
 * const maxSurge: IntOrString = "25%";
 * const port: IntOrString = 8080;
 * ```
 */
export type IntOrString = number | string;

/**
 * Schema for {@link IntOrString}: a safe integer or any string.
 *
 * @example
 * ```ts
 * import { IntOrStringSchema } from "kubeloop";
 * IntOrStringSchema.safeParse("25%").success; // true
 * IntOrStringSchema.safeParse(1.5).success; // false
 * ```
 */
export const IntOrStringSchema: z.ZodMiniType<IntOrString> = /* @__PURE__ */ (() =>
  z.union([z.int(), z.string()]))();

/**
 * Whether `v` is an {@link IntOrString}: what {@link IntOrStringSchema} accepts.
 *
 * @example
 * ```ts
 * import { isIntOrString } from "kubeloop";
 * isIntOrString("25%"); // true
 * isIntOrString(1.5); // false
 * ```
 */
export function isIntOrString(v: unknown): v is IntOrString {
  return typeof v === "string" || Number.isSafeInteger(v);
}

/**
 * A resource quantity (`resource.Quantity`) such as `"500m"`, `"1Gi"` or `2`.
 * Servers always send strings; numbers are accepted because clients may write them.
 *
 * @example
 * ```ts
 * import type { Quantity } from "kubeloop";
 * const limits: Record<string, Quantity> = { cpu: "500m", memory: "256Mi" };
 * ```
 */
export type Quantity = string | number;

/**
 * Schema for {@link Quantity}: a string or a finite number. The quantity grammar is left to the server.
 *
 * @example
 * ```ts
 * import { QuantitySchema } from "kubeloop";
 * QuantitySchema.safeParse("1Gi").success; // true
 * QuantitySchema.safeParse(true).success; // false
 * ```
 */
export const QuantitySchema: z.ZodMiniType<Quantity> = /* @__PURE__ */ (() =>
  z.union([z.string(), z.number()]))();

/**
 * Whether `v` is a {@link Quantity}: what {@link QuantitySchema} accepts.
 *
 * @example
 * ```ts
 * import { isQuantity } from "kubeloop";
 * isQuantity("1Gi"); // true
 * isQuantity(Number.NaN); // false
 * ```
 */
export function isQuantity(v: unknown): v is Quantity {
  return typeof v === "string" || Number.isFinite(v);
}

/**
 * An RFC 3339 timestamp (`metav1.Time`, `metav1.MicroTime`), e.g.
 * `"2024-01-01T00:00:00Z"`. Where the zero time can occur, fields are typed
 * `Time | null`: Go sends a zero time as `null`.
 *
 * @example
 * ```ts
 * import type { Time } from "kubeloop";
 * const created: Time = "2024-01-01T00:00:00Z";
 * const age = Date.now() - Date.parse(created);
 * ```
 */
export type Time = string;

/**
 * Schema for {@link Time}: any string (the format is the server's business).
 *
 * @example
 * ```ts
 * import { TimeSchema } from "kubeloop";
 * TimeSchema.safeParse("2024-01-01T00:00:00Z").success; // true
 * ```
 */
export const TimeSchema: z.ZodMiniType<Time> = /* @__PURE__ */ z.string();

/**
 * Whether `v` is a `map[string]string`: the check of {@link StringMapSchema}
 * (which `validate()` recognises and runs inline).
 *
 * @example
 * ```ts
 * import { isStringMap } from "kubeloop";
 * isStringMap({ app: "web" }); // true
 * isStringMap({ replicas: 3 }); // false
 * ```
 */
export function isStringMap(v: unknown): v is Record<string, string> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  for (const k in v) if (typeof (v as Record<string, unknown>)[k] !== "string") return false;
  return true;
}

/**
 * A `map[string]string` (labels, annotations, ConfigMap data). A single
 * check function instead of a record schema: several times cheaper, same result.
 *
 * @example
 * ```ts
 * import { StringMapSchema } from "kubeloop";
 * StringMapSchema.safeParse({ app: "web" }).success; // true
 * StringMapSchema.safeParse({ replicas: 3 }).success; // false
 * ```
 */
export const StringMapSchema: z.ZodMiniType<Record<string, string>> = /* @__PURE__ */ z.custom<
  Record<string, string>
>(isStringMap, { error: "expected a map of string values" });

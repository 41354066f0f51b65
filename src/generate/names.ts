/**
 * Names the generators give things, shared by the built-in kinds and CRDs.
 *
 * @module
 */

/**
 * The constant name of a kind's `ResourceType`: the kind with its plural's
 * ending (`Deployment` + `deployments` → `Deployments`, `NetworkPolicy` +
 * `networkpolicies` → `NetworkPolicies`). When that is the kind itself
 * (`Endpoints`) or already `taken`, it is `<Kind>Resource`.
 *
 * @example
 * ```ts
 * import { resourceConstName } from "./names.ts";
 * resourceConstName("Ingress", "ingresses", new Set()); // "Ingresses"
 * resourceConstName("Endpoints", "endpoints", new Set()); // "EndpointsResource"
 * ```
 */
export function resourceConstName(kind: string, plural: string, taken: Set<string>): string {
  let p = 0;
  while (p < kind.length && p < plural.length && kind[p]!.toLowerCase() === plural[p]) p++;
  let name =
    p >= Math.min(kind.length, plural.length) - 1
      ? kind.slice(0, p) + plural.slice(p)
      : `${kind}Resource`;
  if (name === kind || taken.has(name)) name = `${kind}Resource`;
  return name;
}

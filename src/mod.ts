/**
 * kubeloop: Kubernetes controllers in TypeScript that run unchanged on Node,
 * Deno, Bun and Cloudflare workerd.
 *
 * @module
 */

export { builtinResources } from "./resources/builtin.ts";
export * from "./resources/core.ts";
export * from "./resources/meta.ts";
export * from "./resources/resource.ts";
export * from "./util/backoff.ts";
export * from "./util/clock.ts";
export * from "./util/logger.ts";

/**
 * The registry of built-in resource types kubeloop knows (used by the fake
 * API server's discovery and by lookups by kind).
 *
 * @module
 */
import { ConfigMaps, Namespaces } from "./core.ts";
import type { ResourceType } from "./resource.ts";

/** Every built-in resource type kubeloop defines. */
export const builtinResources: readonly ResourceType[] = [ConfigMaps, Namespaces] as readonly ResourceType[];

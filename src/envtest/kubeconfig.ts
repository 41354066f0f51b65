/**
 * Kubeconfig text for a test cluster's users (token auth, CA embedded).
 *
 * @module
 */

/**
 * What a kubeconfig for one user holds.
 *
 * @example
 * ```ts
 * import type { KubeconfigSpec } from "./kubeconfig.ts";
 * const spec: KubeconfigSpec = { server: "https://127.0.0.1:6443", caCertificate: "-----BEGIN CERTIFICATE-----...", user: "admin", token: "t" };
 * ```
 */
export interface KubeconfigSpec {
  /** API server URL. */
  server: string;
  /** CA PEM (embedded as `certificate-authority-data`). */
  caCertificate: string;
  /** User name (also names the context). */
  user: string;
  /** Bearer token. */
  token: string;
  /** Cluster name (default `kubeloop-envtest`). */
  cluster?: string | undefined;
  /** Context namespace (default `default`). */
  namespace?: string | undefined;
}

function base64(text: string): string {
  let binary = "";
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** JSON strings are valid YAML double-quoted scalars. */
const q = (s: string): string => JSON.stringify(s);

/**
 * A kubeconfig (YAML) with one cluster, one user and one current context.
 *
 * @example
 * ```ts
 * import { kubeconfigText } from "./kubeconfig.ts";
 * declare const caPem: string;
 * const text = kubeconfigText({ server: "https://127.0.0.1:6443", caCertificate: caPem, user: "admin", token: "t" });
 * ```
 */
export function kubeconfigText(spec: KubeconfigSpec): string {
  const cluster = spec.cluster ?? "kubeloop-envtest";
  const context = `${cluster}-${spec.user}`;
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${q(cluster)}`,
    "  cluster:",
    `    server: ${q(spec.server)}`,
    `    certificate-authority-data: ${q(base64(spec.caCertificate))}`,
    "users:",
    `- name: ${q(spec.user)}`,
    "  user:",
    `    token: ${q(spec.token)}`,
    "contexts:",
    `- name: ${q(context)}`,
    "  context:",
    `    cluster: ${q(cluster)}`,
    `    user: ${q(spec.user)}`,
    `    namespace: ${q(spec.namespace ?? "default")}`,
    `current-context: ${q(context)}`,
    "preferences: {}",
    "",
  ].join("\n");
}

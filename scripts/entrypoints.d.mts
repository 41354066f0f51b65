// Types of scripts/entrypoints.mjs (the entry-point manifest), for TypeScript callers.
export interface Entrypoint {
  subpath: string;
  source: string;
  out: string;
  edge: boolean;
  jsr: boolean;
  docs: boolean;
  generated: boolean;
}
export declare const handwritten: Entrypoint[];
export declare function kindsEntrypoints(modules?: string[]): Entrypoint[];
export declare function entrypoints(modules?: string[]): Entrypoint[];
export declare function packageExports(entries: Entrypoint[]): Record<string, unknown>;
export declare function syncManifests(
  modules: string[] | undefined,
  packageJson: Record<string, unknown>,
  denoJson: Record<string, unknown>,
): { packageJson: Record<string, unknown>; denoJson: Record<string, unknown> };

// The few Cloudflare Workers types examples/worker uses, so the repo type-checks
// it without @cloudflare/workers-types (whose globals clash with the DOM lib used
// here). In your worker project, use the real types (`wrangler types`).

/** A Durable Object's storage (the calls the example makes). */
interface DurableObjectStorage {
  get<T = unknown>(key: string): Promise<T | undefined>;
  get<T = unknown>(keys: string[]): Promise<Map<string, T>>;
  put<T>(key: string, value: T): Promise<void>;
  put<T>(entries: Record<string, T>): Promise<void>;
  delete(key: string): Promise<boolean>;
  delete(keys: string[]): Promise<number>;
  list<T = unknown>(options?: { prefix?: string }): Promise<Map<string, T>>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number | Date): Promise<void>;
}

/** What a Durable Object gets as `ctx`. */
interface DurableObjectState {
  readonly storage: DurableObjectStorage;
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

/** A stub of a Durable Object: its fetch, plus its public methods over RPC. */
type DurableObjectStub<T> = {
  fetch(request: Request): Promise<Response>;
} & {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => Promise<R>
    : never;
};

/** A Durable Object binding. */
interface DurableObjectNamespace<T = unknown> {
  idFromName(name: string): unknown;
  get(id: unknown): DurableObjectStub<T>;
}

/** A cron trigger's event. */
interface ScheduledController {
  readonly cron: string;
  readonly scheduledTime: number;
}

/** The third argument of a worker's handlers. */
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

declare module "cloudflare:workers" {
  /** Base class of Durable Objects whose methods are callable over RPC. */
  export abstract class DurableObject<Env = unknown> {
    protected readonly ctx: DurableObjectState;
    protected readonly env: Env;
    constructor(ctx: DurableObjectState, env: Env);
    fetch?(request: Request): Promise<Response>;
    alarm?(): Promise<void>;
  }
}

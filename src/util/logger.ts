/**
 * A pluggable, structured logger. Where no `logger` option is given, kubeloop
 * writes warnings and errors to the console ({@link defaultLogger}), as
 * controller-runtime does: a reconcile that fails, an informer that cannot
 * list or watch, a lost lease are never silent. Pass {@link silentLogger} to
 * turn that off, {@link consoleLogger} for more detail, or your own {@link Logger}.
 *
 * @module
 */

/**
 * Structured fields attached to a log line.
 *
 * @example
 * ```ts
 * import { consoleLogger, type LogFields } from "kubeloop";
 * const fields: LogFields = { key: "default/web", attempt: 2 };
 * consoleLogger().warn("reconcile failed", fields);
 * ```
 */
export type LogFields = Record<string, unknown>;

/**
 * Log levels, least to most severe.
 *
 * @example
 * ```ts
 * import { consoleLogger, type LogLevel } from "kubeloop";
 * const level: LogLevel = "debug";
 * const logger = consoleLogger(level);
 * ```
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * The logging interface every kubeloop component accepts.
 *
 * @example
 * ```ts
 * import type { Logger } from "kubeloop";
 * const logger: Logger = {
 *   debug() {},
 *   info: (msg, fields) => console.log(msg, fields),
 *   warn: (msg, fields) => console.warn(msg, fields),
 *   error: (msg, fields) => console.error(msg, fields),
 * };
 * ```
 */
export interface Logger {
  /** Log verbose diagnostic detail, with optional structured fields. */
  debug(msg: string, fields?: LogFields): void;
  /** Log a normal operational event, with optional structured fields. */
  info(msg: string, fields?: LogFields): void;
  /** Log a recoverable problem, with optional structured fields. */
  warn(msg: string, fields?: LogFields): void;
  /** Log a failure, with optional structured fields. */
  error(msg: string, fields?: LogFields): void;
}

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * A logger that drops everything.
 *
 * @example
 * ```ts
 * import { ConfigMaps, createInformer, silentLogger, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * // failures are then reported only through onError and lastError()
 * const informer = createInformer(client, ConfigMaps, { logger: silentLogger });
 * ```
 */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

function stringifyFields(fields: LogFields | undefined): string {
  if (!fields) return "";
  try {
    return ` ${JSON.stringify(fields, (_k, v) => (v instanceof Error ? v.message : v))}`;
  } catch {
    return "";
  }
}

/**
 * A logger that writes one line per call to the console, at or above `level`.
 *
 * @example
 * ```ts
 * import { consoleLogger } from "kubeloop";
 * const logger = consoleLogger("info");
 * logger.info("started", { resource: "configmaps" });
 * ```
 */
export function consoleLogger(level: LogLevel = "info"): Logger {
  const min = LEVELS[level];
  const make =
    (lvl: LogLevel, write: (line: string) => void) =>
    (msg: string, fields?: LogFields): void => {
      if (LEVELS[lvl] >= min) write(`${lvl.toUpperCase()} ${msg}${stringifyFields(fields)}`);
    };
  return {
    debug: make("debug", (l) => console.debug(l)),
    info: make("info", (l) => console.info(l)),
    warn: make("warn", (l) => console.warn(l)),
    error: make("error", (l) => console.error(l)),
  };
}

/**
 * What every kubeloop component logs to when its `logger` option is left out:
 * warnings and errors go to the console (`console.warn`, `console.error`),
 * info and debug are dropped. So a failing reconcile, an informer that cannot
 * list or watch (a 403, say) or a lost lease shows up without any setup, as in
 * controller-runtime. Pass {@link silentLogger} to keep a component quiet.
 *
 * @example
 * ```ts
 * import { ConfigMaps, createInformer, defaultLogger, silentLogger, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * createInformer(client, ConfigMaps); // same as { logger: defaultLogger }
 * createInformer(client, ConfigMaps, { logger: defaultLogger });
 * createInformer(client, ConfigMaps, { logger: silentLogger }); // quiet
 * ```
 */
export const defaultLogger: Logger = consoleLogger("warn");

/**
 * One captured log line.
 *
 * @example
 * ```ts
 * import { MemoryLogger, type LogRecord } from "kubeloop";
 * const logger = new MemoryLogger();
 * logger.error("list failed", { kind: "Pod" });
 * const [first]: LogRecord[] = logger.records;
 * first?.level; // "error"
 * ```
 */
export interface LogRecord {
  /** Level the line was logged at. */
  level: LogLevel;
  /** The message text. */
  msg: string;
  /** Structured fields passed with the message, if any. */
  fields: LogFields | undefined;
}

/**
 * A logger that keeps every line in memory, for tests.
 *
 * @example
 * ```ts
 * import { MemoryLogger } from "kubeloop";
 * const logger = new MemoryLogger();
 * logger.warn("watch stalled", { resource: "pods" });
 * logger.records.length; // 1
 * ```
 */
export class MemoryLogger implements Logger {
  /** Everything logged so far, oldest first. */
  readonly records: LogRecord[] = [];
  /** Record a `debug` line. */
  debug(msg: string, fields?: LogFields): void {
    this.records.push({ level: "debug", msg, fields });
  }
  /** Record an `info` line. */
  info(msg: string, fields?: LogFields): void {
    this.records.push({ level: "info", msg, fields });
  }
  /** Record a `warn` line. */
  warn(msg: string, fields?: LogFields): void {
    this.records.push({ level: "warn", msg, fields });
  }
  /** Record an `error` line. */
  error(msg: string, fields?: LogFields): void {
    this.records.push({ level: "error", msg, fields });
  }
  /** Lines at `level` whose message contains `text`. */
  find(level: LogLevel, text: string): LogRecord[] {
    return this.records.filter((r) => r.level === level && r.msg.includes(text));
  }
}

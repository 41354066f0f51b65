// The demos' progress output: log lines above one live status line that a terminal redraws in
// place (a pipe gets a plain status line about once a second instead).
/** Where the demo writes progress (a terminal or a pipe). */
export interface DemoOutput {
  write(text: string): void;
  /** Redraw one live line in place (terminal); otherwise print a line now and then. */
  isTTY?: boolean | undefined;
  /** Use ANSI colours. */
  color?: boolean | undefined;
  /** Terminal width: the live line is cut to fit (default 100). */
  columns?: number | undefined;
}

/** `c(code, text)`: `text` in ANSI colour `code` when `color` is on, else as it is. */
export function paint(color: boolean): (code: string, text: string) => string {
  return (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
}

/** One field of the live line: [visible text, coloured text]. */
export type StatusField = [plain: string, coloured: string];

/** What a demo says about its state: the live fields and the plain (piped) summary. */
export interface StatusSource {
  /** Fields after the spinner and clock; dropped from the end to fit the terminal. */
  fields(number: (label: string, value: number, warn?: boolean) => StatusField): StatusField[];
  /** `key=value` pairs for a pipe. */
  plain(): string;
}

/** Log lines and the live status line of one demo run. */
export interface StatusLine {
  /** `text` in ANSI colour `code` when the output takes colours. */
  c(code: string, text: string): string;
  /** Seconds since the start, padded: `  3.2s`. */
  t(): string;
  /** Print a log line, keeping the live line below it. */
  say(line: string): void;
  /** Redraw the live line (terminal) or print the plain one (pipe, at most once a second). */
  tick(): void;
  /** Remove the live line (before a summary). */
  clear(): void;
}

export function statusLine(
  out: DemoOutput | undefined,
  started: number,
  source: StatusSource,
): StatusLine {
  const c = paint(out?.color ?? false);
  const t = (): string => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  const spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
  let frame = 0;
  let liveShown = false;
  let lastPiped = 0;
  const number = (label: string, value: number, warn = false): StatusField => [
    `${label} ${value}`,
    `${c("2", label)} ${c(warn && value > 0 ? "33;1" : "1", String(value))}`,
  ];
  // Fields are dropped from the end to fit the terminal width, so the line never wraps (a
  // wrapped line cannot be redrawn in place).
  const live = (): string => {
    const head = `${spinner[frame++ % spinner.length] ?? ""} ${t()}`;
    const fields: StatusField[] = [
      [head, `${c("36", head.slice(0, 1))}${head.slice(1)}`],
      ...source.fields(number),
    ];
    const width = (out?.columns ?? 100) - 1;
    let visible = 0;
    const shown: string[] = [];
    for (const [plain, coloured] of fields) {
      const add = plain.length + (shown.length ? 3 : 0);
      if (visible + add > width) break;
      visible += add;
      shown.push(coloured);
    }
    return shown.join(c("2", " │ "));
  };
  const clear = (): void => {
    if (out?.isTTY && liveShown) out.write("\r\x1b[2K");
    liveShown = false;
  };
  return {
    c,
    t,
    clear,
    say(line) {
      if (!out) return;
      clear();
      out.write(`${line}\n`);
      if (out.isTTY) {
        out.write(live());
        liveShown = true;
      }
    },
    tick() {
      if (!out) return;
      if (out.isTTY) {
        out.write(`\r\x1b[2K${live()}`);
        liveShown = true;
      } else if (Date.now() - lastPiped >= 1000) {
        lastPiped = Date.now();
        out.write(`[${t()}] ${source.plain()}\n`);
      }
    },
  };
}

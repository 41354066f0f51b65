// A parser for the Prometheus text exposition format, written for the tests
// (not the code under test): the metrics tests and the operator example check
// /metrics with it.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  type: string;
  help: string;
  samples: Sample[];
}

/**
 * A parser for the Prometheus text format 0.0.4: HELP/TYPE lines, samples
 * with escaped label values, special float values. Throws on anything
 * malformed, on samples of undeclared families, on duplicate series, and on
 * histograms whose buckets are not cumulative or do not end in +Inf = _count.
 */
export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  if (text.length > 0 && !text.endsWith("\n"))
    throw new Error("exposition must end with a newline");
  const lines = text.split("\n").slice(0, -1);
  const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
  const familyOf = (sample: string): Family | undefined => {
    for (const suffix of ["", "_bucket", "_sum", "_count"]) {
      if (suffix && !sample.endsWith(suffix)) continue;
      const f = families.get(sample.slice(0, sample.length - suffix.length));
      if (f && (suffix === "" ? f.type !== "histogram" : f.type === "histogram")) return f;
    }
    return undefined;
  };
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
      const rest = line.slice(7);
      const name = NAME.exec(rest)?.[0];
      if (!name || rest[name.length] !== " ") throw new Error(`bad comment, ${where}`);
      const arg = rest.slice(name.length + 1);
      const f = families.get(name) ?? { type: "untyped", help: "", samples: [] };
      if (line.startsWith("# TYPE ")) {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(arg)) {
          throw new Error(`bad type, ${where}`);
        }
        if (f.samples.length > 0) throw new Error(`TYPE after samples, ${where}`);
        f.type = arg;
      } else {
        f.help = arg.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      }
      families.set(name, f);
      continue;
    }
    if (line.startsWith("#") || line.trim() === "") continue;
    const name = NAME.exec(line)?.[0];
    if (!name) throw new Error(`bad sample name, ${where}`);
    let pos = name.length;
    const labels: Record<string, string> = {};
    if (line[pos] === "{") {
      pos++;
      while (line[pos] !== "}") {
        const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(pos));
        if (!m) throw new Error(`bad label, ${where}`);
        pos += m[0].length;
        let value = "";
        for (;;) {
          const c = line[pos++];
          if (c === undefined) throw new Error(`unterminated label value, ${where}`);
          if (c === '"') break;
          if (c === "\\") {
            const e = line[pos++];
            if (e === "n") value += "\n";
            else if (e === "\\" || e === '"') value += e;
            else throw new Error(`bad escape, ${where}`);
          } else value += c;
        }
        if (m[1]! in labels) throw new Error(`duplicate label, ${where}`);
        labels[m[1]!] = value;
        if (line[pos] === ",") pos++;
        else if (line[pos] !== "}") throw new Error(`expected , or }, ${where}`);
      }
      pos++;
    }
    if (line[pos] !== " ") throw new Error(`expected a space before the value, ${where}`);
    const fields = line.slice(pos + 1).split(" ");
    if (fields.length > 2) throw new Error(`trailing garbage, ${where}`);
    const raw = fields[0]!;
    const value =
      raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : raw === "NaN" ? NaN : Number(raw);
    if (raw === "" || (Number.isNaN(value) && raw !== "NaN"))
      throw new Error(`bad value, ${where}`);
    const f = familyOf(name);
    if (!f) throw new Error(`sample of an undeclared family, ${where}`);
    const id = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(id)) throw new Error(`duplicate series, ${where}`);
    seen.add(id);
    f.samples.push({ name, labels, value });
  }
  for (const [name, f] of families) {
    if (f.type !== "histogram") continue;
    const series = new Map<string, Sample[]>();
    for (const s of f.samples) {
      const { le: _le, ...rest } = s.labels;
      const k = JSON.stringify(Object.entries(rest).sort());
      series.set(k, [...(series.get(k) ?? []), s]);
    }
    for (const samples of series.values()) {
      const buckets = samples.filter((s) => s.name === `${name}_bucket`);
      const count = samples.find((s) => s.name === `${name}_count`);
      if (!count || !samples.some((s) => s.name === `${name}_sum`)) {
        throw new Error(`${name}: histogram without _sum/_count`);
      }
      let prevLe = -Infinity;
      let prev = 0;
      for (const b of buckets) {
        const le = b.labels.le === "+Inf" ? Infinity : Number(b.labels.le);
        if (!(le > prevLe) || b.value < prev) throw new Error(`${name}: buckets not cumulative`);
        prevLe = le;
        prev = b.value;
      }
      if (prevLe !== Infinity || prev !== count.value) {
        throw new Error(`${name}: the +Inf bucket must equal _count`);
      }
    }
  }
  return families;
}

export function value(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}

/**
 * `npm run soak`: the chaos loop of test/reliability/chaos.ts for N minutes,
 * printing heap and RSS (after a forced GC) every interval and, at the end,
 * the heap slope (least squares over the samples after the warm-up). Not part
 * of CI.
 *
 * Usage: npm run soak -- [--minutes 10] [--interval 30] [--seed N] [--keys 40]
 *        [--fault-rate 0.02] [--ops-per-second 300] [--history 1000] [--max-slope 1]
 *
 * Exits 1 if the cache and callbacks did not converge at the end, or if the
 * heap grew faster than --max-slope MB per minute.
 */
import { formatChaos, runChaos } from "../test/reliability/chaos.ts";

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};
const num = (name: string, dflt: number): number => {
  const v = opt(name);
  return v === undefined ? dflt : Number(v);
};

const minutes = num("minutes", 5);
const intervalMs = num("interval", 30) * 1000;
const seed = num("seed", Math.floor(Math.random() * 2 ** 31));
const keys = num("keys", 40);
const faultRate = num("fault-rate", 0.02);
const maxSlope = num("max-slope", 1);
const opsPerSecond = num("ops-per-second", 300);
const historyLimit = num("history", 1000);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.warn("soak: run with --expose-gc (npm run soak does) for meaningful heap numbers");

interface Sample {
  minute: number;
  heapMB: number;
  rssMB: number;
}
const samples: Sample[] = [];
const start = Date.now();
const end = start + minutes * 60_000;
let lastSample = 0;

function sample(ops: number, extra: string): void {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  const s: Sample = {
    minute: (Date.now() - start) / 60_000,
    heapMB: m.heapUsed / 2 ** 20,
    rssMB: m.rss / 2 ** 20,
  };
  samples.push(s);
  console.log(
    `t=${s.minute.toFixed(2)} min ops=${ops} heap=${s.heapMB.toFixed(1)} MB rss=${s.rssMB.toFixed(1)} MB ${extra}`,
  );
}

/** Least-squares slope of heap (or RSS) in MB over time in minutes. */
function slope(points: Sample[], field: "heapMB" | "rssMB" = "heapMB"): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.minute, 0) / n;
  const my = points.reduce((a, p) => a + p[field], 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.minute - mx) * (p[field] - my);
    den += (p.minute - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

console.log(
  `soak: ${minutes} min, seed ${seed} (replay the schedule with --seed ${seed}), keys ${keys}, fault rate ${faultRate}, ${opsPerSecond} ops/s, history ${historyLimit}`,
);
sample(0, "(start)");
const result = await runChaos({
  seed,
  ops: Number.POSITIVE_INFINITY,
  until: () => Date.now() >= end,
  keys,
  faultRate,
  opsPerSecond,
  historyLimit,
  progressEvery: 250,
  onProgress: (ops, state) => {
    if (Date.now() - lastSample < intervalMs) return;
    lastSample = Date.now();
    const injected = Object.values(state.injected).reduce((a, b) => a + b, 0);
    sample(
      ops,
      `faults=${injected} events=${state.stats.events} relists=${state.stats.relists} callbacks=${state.callbacks}`,
    );
  },
});
sample(result.ops, "(end)");
console.log(formatChaos(result));

// skip the warm-up (first fifth, at least the first sample)
const steady = samples.slice(Math.max(1, Math.floor(samples.length / 5)));
const heapSlope = slope(steady);
console.log(
  `heap slope: ${heapSlope.toFixed(3)} MB/min over ${steady.length} samples (limit ${maxSlope}); ` +
    `heap ${steady[0]?.heapMB.toFixed(1)} -> ${steady.at(-1)?.heapMB.toFixed(1)} MB`,
);
console.log(
  `rss slope: ${slope(steady, "rssMB").toFixed(3)} MB/min (informational); ` +
    `rss ${steady[0]?.rssMB.toFixed(1)} -> ${steady.at(-1)?.rssMB.toFixed(1)} MB`,
);
let failed = false;
if (!result.converged) {
  console.error("soak: did not converge");
  failed = true;
}
if (steady.length >= 3 && heapSlope > maxSlope) {
  console.error(`soak: heap grows ${heapSlope.toFixed(3)} MB/min (> ${maxSlope})`);
  failed = true;
}
process.exit(failed ? 1 : 0);

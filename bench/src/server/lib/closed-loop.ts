import { elapsedMs, type Measurement } from './stats.js';

/**
 * A closed-loop load in this process: `workers` loops, each awaiting `once(worker)` back to back
 * until `seconds` have passed; every call's latency is recorded.
 */
export async function closedLoop(
  workers: number,
  seconds: number,
  once: (worker: number) => Promise<void>,
): Promise<Measurement> {
  const latenciesMs: number[] = [];
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (process.hrtime.bigint() < deadline) {
        const t0 = process.hrtime.bigint();
        await once(worker);
        latenciesMs.push(elapsedMs(t0));
      }
    }),
  );
  return { completed: latenciesMs.length, seconds: elapsedMs(started) / 1000, latenciesMs };
}

/** A time limit on one delivery attempt or status edit: a platform call that never returns must not hold anything up. */
export class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`delivery attempt still running after ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/** `p`, or a DeadlineExceeded rejection after `ms` (the work itself is not stopped). */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(ms)), ms);
    timer.unref();
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** Run `work` with at most `limit` items at once. */
export async function runPool<T>(work: Array<() => Promise<T>>, limit: number, run: (item: () => Promise<T>) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, work.length) }, async () => {
    while (next < work.length) await run(work[next++]);
  });
  await Promise.all(lanes);
}

/**
 * `p`, or a rejection naming `what` when it has not settled within `ms`. The timer is cleared when
 * `p` settles (answered calls leave no timer to fire: they showed in the profile under load), and
 * does not keep the process alive.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

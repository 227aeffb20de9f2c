/**
 * `work`'s outcome, or the error `onTimeout` makes once `ms` have passed first. The work itself
 * goes on; nobody waits for it any more, so a failure it meets later is dropped, not unhandled.
 * The request deadline, the readiness probes and the API's connection attempts to Temporal all
 * wait this way.
 */
export function within<T>(work: Promise<T>, ms: number, onTimeout: () => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      work.catch(() => {});
      reject(onTimeout());
    }, ms);
    work.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

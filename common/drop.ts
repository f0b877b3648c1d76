/**
 * Marks a deliberate fire-and-forget. The rejection is routed to `onError` so nothing is swallowed,
 * and `@typescript-eslint/no-floating-promises` can stay on everywhere else.
 */
export function drop(promise: Promise<unknown>, onError: (err: unknown) => void = reportDropped): void {
  promise.then(undefined, onError);
}

let dropHandler: (err: unknown) => void = (err) => {
  // Last resort: the process-level handler decides; a dropped rejection must never vanish.
  queueMicrotask(() => {
    throw err;
  });
};

function reportDropped(err: unknown): void {
  dropHandler(err);
}

/** The composition root installs the logger here at start. */
export function setDropHandler(handler: (err: unknown) => void): void {
  dropHandler = handler;
}

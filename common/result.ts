import type { SerializedError } from './errors.ts';

/** What crosses IPC and worker boundaries instead of a thrown error. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (error: SerializedError): Result<never> => ({ ok: false, error });

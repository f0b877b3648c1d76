/**
 * Every error the kiosk throws extends KioskError and carries a code from this closed union.
 * Codes are grouped by the recovery path they need (see `kindOf`), as Signal sorts SQLite errors.
 * Expected outcomes (an unreadable QR, a flagged person, an offline server) are Decisions, not errors.
 */
export const ERROR_CODES = [
  // configuration and provisioning: a technician must fix a file or a setting
  'config-invalid',
  'config-missing',
  'key-permissions',
  'key-missing',
  'enroll-code-invalid',
  'enroll-code-expired',
  'enroll-code-used',
  'not-provisioned',
  // devices: retried, shown on screen, decisions continue
  'scanner-disconnected',
  'scanner-open-failed',
  'relay-disconnected',
  'relay-open-failed',
  'relay-write-failed',
  'indicator-failed',
  'device-missing',
  // network and server
  'server-unreachable',
  'server-rejected',
  'status-timeout',
  'request-timeout',
  'status-invalid',
  'upload-failed',
  'clock-skew',
  'unauthorized',
  'replayed',
  'forbidden',
  'not-found',
  'payload-too-large',
  'unsupported-media-type',
  'rate-limited',
  // storage
  'outbox-corrupt',
  'outbox-newer-schema',
  'disk-full',
  'disk-read-only',
  'storage-failed',
  // the server's database is unreachable: answered 503 with Retry-After, the client retries
  'store-unavailable',
  // the server has as many uploads in hand as it answers quickly: 503 with Retry-After, the client retries
  'server-busy',
  // input
  'payload-invalid',
  'bad-request',
  // bugs
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorKind = 'config' | 'device' | 'network' | 'storage' | 'input' | 'bug';

export function kindOf(code: ErrorCode): ErrorKind {
  switch (code) {
    case 'config-invalid':
    case 'config-missing':
    case 'key-permissions':
    case 'key-missing':
    case 'enroll-code-invalid':
    case 'enroll-code-expired':
    case 'enroll-code-used':
    case 'not-provisioned':
      return 'config';
    case 'scanner-disconnected':
    case 'scanner-open-failed':
    case 'relay-disconnected':
    case 'relay-open-failed':
    case 'relay-write-failed':
    case 'indicator-failed':
    case 'device-missing':
      return 'device';
    case 'server-unreachable':
    case 'server-rejected':
    case 'status-timeout':
    case 'request-timeout':
    case 'status-invalid':
    case 'upload-failed':
    case 'clock-skew':
    case 'unauthorized':
    case 'replayed':
    case 'forbidden':
    case 'not-found':
    case 'payload-too-large':
    case 'unsupported-media-type':
    case 'rate-limited':
    case 'server-busy':
      return 'network';
    case 'outbox-corrupt':
    case 'outbox-newer-schema':
    case 'disk-full':
    case 'disk-read-only':
    case 'storage-failed':
    case 'store-unavailable':
      return 'storage';
    case 'payload-invalid':
    case 'bad-request':
      return 'input';
    case 'internal':
      return 'bug';
    default:
      return missingCase(code);
  }
}

export class KioskError extends Error {
  readonly code: ErrorCode;
  /** Extra facts a technician needs (a field path, a device path); safe to log and to show. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    // `instanceof` does not survive a process hop, so the name is set explicitly.
    this.name = 'KioskError';
    this.code = code;
    this.details = options?.details;
  }

  get kind(): ErrorKind {
    return kindOf(this.code);
  }
}

/** The shape an error takes when it crosses a process, IPC or network boundary. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof KioskError) {
    return err.details === undefined
      ? { code: err.code, message: err.message }
      : { code: err.code, message: err.message, details: { ...err.details } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Makes a `switch` over a union exhaustive: adding a member without a case is a compile error. */
export function missingCase(value: never): never {
  throw new KioskError('internal', `unhandled case: ${JSON.stringify(value)}`);
}

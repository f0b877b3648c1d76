/** Shared vocabulary of decisions: used by the core, shown by the renderer, uploaded to the server. */

export const VERDICTS = ['allow', 'deny', 'warn'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const FORMATS = ['vn-pccovid', 'vn-cccd', 'vn-bhyt', 'eu-dcc', 'venue-qr', 'unknown'] as const;
export type Format = (typeof FORMATS)[number];

/** Where the status behind a decision came from. `offline` means the venue's offline rule decided. */
export const STATUS_SOURCES = ['online', 'cache', 'risk-list', 'offline', 'credential', 'none'] as const;
export type StatusSource = (typeof STATUS_SOURCES)[number];

/** Health-declaration status as the national server reports it. */
export const HEALTH_STATUSES = ['green', 'yellow', 'red', 'unknown'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export const DIRECTIONS = ['in', 'out'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/**
 * Reason codes: stable identifiers stored with each entry and uploaded. The guard sees a translated line.
 * Add codes freely; never rename one (servers aggregate on them).
 */
export const REASONS = [
  'status-green',
  'status-yellow',
  'status-red',
  'status-unknown',
  'declaration-missing',
  'declaration-stale',
  'flag-f0',
  'flag-f1',
  'risk-list',
  'offline',
  'offline-allow',
  'offline-deny',
  'offline-warn',
  'unreadable',
  'unknown-format',
  'venue-qr',
  'anti-passback',
  'scanner-mode-ascii',
  'timeout',
  'exit-recorded',
  'no-requirement',
  'certificate-required',
  'signature-invalid',
  'signature-unknown-key',
  'certificate-expired',
  'certificate-chain',
  'dcc-expired',
  'dcc-not-yet-valid',
  'key-usage',
  'schema-invalid',
  'value-set-unknown',
  'signed-outside-key-validity',
  'vaccination-valid',
  'test-valid',
  'recovery-valid',
  'vaccination-incomplete',
  'test-positive',
  'test-too-old',
  'storage-degraded',
] as const;
export type Reason = (typeof REASONS)[number];

/** The assurance a parsed credential carries on its own, before any status lookup. */
export const ASSURANCES = ['signed-verified', 'identity-only', 'unreadable'] as const;
export type Assurance = (typeof ASSURANCES)[number];

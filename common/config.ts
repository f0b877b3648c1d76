import { z } from 'zod';
import { DIRECTIONS, FORMATS } from './verdict.ts';
import { VENUE_KINDS } from './wire.ts';

/**
 * The one configuration file of a kiosk. Every object is strict, so a misspelt key is reported
 * by name instead of being silently ignored. Defaults live here and nowhere else.
 * Documented in docs/config.md; checked by `kiosk config check FILE`.
 */

const SUFFIX_NAMES: Record<string, string> = { CR: '\r', LF: '\n', CRLF: '\r\n', TAB: '\t', NONE: '' };

/** A scanner suffix: a literal ("\r"), or one of the names CR, LF, CRLF, TAB, NONE. */
export const suffixSchema = z
  .string()
  .max(4)
  .transform((s) => SUFFIX_NAMES[s.toUpperCase()] ?? s);

const serialScanner = z.strictObject({
  kind: z.literal('serial'),
  path: z.string().min(1),
  baudRate: z.number().int().positive().default(9600),
  suffix: suffixSchema.default('\r'),
  /** A payload without its suffix is closed after this much silence. */
  interByteTimeoutMs: z.number().int().min(5).max(2000).default(50),
  /** Bytes to strip from the start of each payload (a scanner-configured prefix). */
  prefix: z.string().max(16).default(''),
  maxPayloadBytes: z.number().int().min(64).max(65536).default(4096),
  direction: z.enum(DIRECTIONS).optional(),
});

const stdinScanner = z.strictObject({
  kind: z.literal('stdin'),
  direction: z.enum(DIRECTIONS).optional(),
});

const fakeScanner = z.strictObject({
  kind: z.literal('fake'),
  /** Payloads the fake replays in a loop (demo); tests drive it directly. */
  replay: z.array(z.string()).default([]),
  intervalMs: z.number().int().min(1).default(250),
  direction: z.enum(DIRECTIONS).optional(),
});

const framingFields = {
  suffix: suffixSchema.default('\r'),
  interByteTimeoutMs: z.number().int().min(5).max(2000).default(50),
  maxPayloadBytes: z.number().int().min(64).max(65536).default(4096),
};

const hidPosScanner = z.strictObject({
  kind: z.literal('hid-pos'),
  /** hidraw path; default: the first device with a HID POS (usage page 0x8C) interface. */
  path: z.string().min(1).optional(),
  maxPayloadBytes: z.number().int().min(64).max(65536).default(4096),
  direction: z.enum(DIRECTIONS).optional(),
});

const hidKeyboardScanner = z.strictObject({
  kind: z.literal('hid-keyboard'),
  /** hidraw path of the scanner's keyboard interface; or pick by USB vendor id (hex, e.g. "0c2e"). */
  path: z.string().min(1).optional(),
  vendorId: z.string().regex(/^[0-9a-fA-F]{4}$/).optional(),
  ...framingFields,
  direction: z.enum(DIRECTIONS).optional(),
});

const autoScanner = z.strictObject({
  kind: z.literal('auto'),
  baudRate: z.number().int().positive().default(9600),
  ...framingFields,
  direction: z.enum(DIRECTIONS).optional(),
});

export const scannerSchema = z.discriminatedUnion('kind', [serialScanner, stdinScanner, fakeScanner, hidPosScanner, hidKeyboardScanner, autoScanner]);

// --- outputs: relays, lamps, buzzers ------------------------------------------------------

const serialRelayOutput = z.strictObject({
  kind: z.literal('serial-relay'),
  path: z.string().min(1),
  baudRate: z.number().int().positive().default(9600),
  /** 1-based relay channel on the LCUS board. */
  channel: z.number().int().min(1).max(8).default(1),
  /** Channels on the board (LCUS-1/2/4/8): a channel beyond it is refused at start. */
  channels: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]).optional(),
  /** LCUS-4 firmware answers the status query FF: read the state back after each switch. */
  hasStatusQuery: z.boolean().default(false),
});

const hidRelayOutput = z.strictObject({
  kind: z.literal('hid-relay'),
  /** hidraw path; default: the board with `boardId`, else the first dcttech board. */
  path: z.string().min(1).optional(),
  boardId: z.string().length(5).optional(),
  channel: z.number().int().min(1).max(8).default(1),
});

const gpioOutput = z.strictObject({
  kind: z.literal('gpio'),
  /** Chip label; default: the Raspberry Pi's header chip (pinctrl-rp1, -bcm2711, -bcm2835). */
  chip: z.string().min(1).optional(),
  line: z.number().int().min(0).max(511),
  isActiveLow: z.boolean().default(false),
});

const ledOutput = z.strictObject({
  kind: z.literal('led'),
  /** LED class name from `dtoverlay=gpio-led,...,label=NAME`. */
  name: z.string().min(1).regex(/^[^/]+$/),
  root: z.string().min(1).default('/sys/class/leds'),
});

const fakeOutput = z.strictObject({ kind: z.literal('fake') });

export const outputSchema = z.discriminatedUnion('kind', [serialRelayOutput, hidRelayOutput, gpioOutput, ledOutput, fakeOutput]);
export type OutputConfig = z.output<typeof outputSchema>;

const gateFields = {
  pulseMs: z.number().int().min(1).max(60_000).default(800),
  /** The supervisor drives the outputs safe within this long after the core dies or hangs. */
  watchdogMs: z.number().int().min(100).max(60_000).default(2000),
  /**
   * `secure` (default): de-energised = locked; a pulse energises to open (strikes, turnstiles).
   * `safe`: de-energised = open (maglocks, emergency exits); the kiosk holds the output energised
   * while running and releases it to open; a crash or power loss opens the door.
   */
  failMode: z.enum(['secure', 'safe']).default('secure'),
  /** Closed loop: with a passage sensor, an opened gate nobody passes within this window is recorded as `not-passed`. */
  passageWindowMs: z.number().int().min(500).max(120_000).default(10_000),
};

export const gateSchema = z.discriminatedUnion('kind', [
  serialRelayOutput.extend(gateFields),
  hidRelayOutput.extend(gateFields),
  gpioOutput.extend(gateFields),
  ledOutput.extend(gateFields),
  fakeOutput.extend(gateFields),
]);

export const indicatorSchema = z.discriminatedUnion('kind', [
  /** Only the guard screen (the renderer shows and sounds every verdict anyway). */
  z.strictObject({ kind: z.literal('screen') }),
  z.strictObject({
    kind: z.literal('lights'),
    green: outputSchema.optional(),
    red: outputSchema.optional(),
    amber: outputSchema.optional(),
    buzzer: outputSchema.optional(),
  }),
  z.strictObject({ kind: z.literal('tower-light'), path: z.string().min(1), baudRate: z.number().int().positive().default(9600) }),
  z.strictObject({ kind: z.literal('blink1'), path: z.string().min(1).optional() }),
  z.strictObject({ kind: z.literal('fake') }),
]);
export type IndicatorConfig = z.output<typeof indicatorSchema>;

/** A door or turnstile sensor that confirms passage (closed loop, optional). */
export const sensorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('gpio'), chip: z.string().min(1).optional(), line: z.number().int().min(0).max(511), isActiveLow: z.boolean().default(false) }),
  z.strictObject({ kind: z.literal('fake') }),
]);

const verdictActuation = z.strictObject({
  light: z.enum(['green', 'red', 'amber', 'off']),
  pattern: z.enum(['steady', 'blink', 'pulse']),
  sound: z.enum(['allow', 'deny', 'warn', 'none']),
  /** How long lamps (and the screen) show the verdict. */
  showMs: z.number().int().min(200).max(30_000).default(3000),
  /** Gate pulse for this verdict when it opens the gate; default `gate.pulseMs`. */
  pulseMs: z.number().int().min(1).max(60_000).optional(),
});

export const actuationSchema = z.strictObject({
  allow: verdictActuation.prefault({ light: 'green', pattern: 'steady', sound: 'allow' }),
  warn: verdictActuation.prefault({ light: 'amber', pattern: 'blink', sound: 'warn' }),
  deny: verdictActuation.prefault({ light: 'red', pattern: 'steady', sound: 'deny' }),
});
export type ActuationConfig = z.output<typeof actuationSchema>;

/** Where an output is wired, for "two outputs on one channel" (undefined: nothing to clash with). */
export function outputKey(o: OutputConfig): string | undefined {
  switch (o.kind) {
    case 'serial-relay':
      return `serial-relay:${o.path}#${o.channel}`;
    case 'hid-relay':
      return `hid-relay:${o.path ?? o.boardId ?? 'first'}#${o.channel}`;
    case 'gpio':
      return `gpio:${o.chip ?? 'pi'}:${o.line}`;
    case 'led':
      return `led:${o.root}/${o.name}`;
    case 'fake':
      return undefined;
    default:
      return undefined;
  }
}

export const actionSchema = z.enum(['allow', 'warn', 'deny']);

/**
 * Overrides of the venue kind's default policy (core/decision/policy.ts, docs/policy.md). Every key
 * is optional: what is not set comes from `venue.kind`.
 */
export const policySchema = z.strictObject({
  requirement: z.enum(['declaration', 'vaccination', 'none']).optional(),
  declarationMaxAgeHours: z.number().int().min(1).max(24 * 30).optional(),
  yellowAction: actionSchema.optional(),
  unknownAction: actionSchema.optional(),
  staleAction: actionSchema.optional(),
  offlineAction: actionSchema.optional(),
  antiPassbackSeconds: z.number().int().min(0).max(86_400).optional(),
  shouldOpenOnWarn: z.boolean().optional(),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }),
      /** End-to-end budget of an online status lookup, retry included. */
      statusBudgetMs: z.number().int().min(50).max(5000).default(400),
      statusCacheTtlMs: z.number().int().min(0).max(86_400_000).default(300_000),
      /** The server's Ed25519 public key (written by `kiosk provision`): verifies the time it tells us. */
      publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/).optional(),
      /** How often the offline risk list is synced. */
      riskSyncIntervalMs: z.number().int().min(10_000).max(86_400_000).default(300_000),
      /** How often the kiosk sends its signed heartbeat (fleet health); one is also sent on start. */
      heartbeatIntervalMs: z.number().int().min(10_000).max(86_400_000).default(300_000),
    })
    .optional(),
  store: z.strictObject({
    path: z.string().min(1),
    /** Uploaded entries older than this are deleted; entries not yet uploaded never are. */
    retentionDays: z.number().int().min(1).max(3650).default(21),
    /** Below this much free space the kiosk warns (guard screen, events). */
    lowSpaceMiB: z.number().int().min(1).max(100_000).default(64),
  }),
  device: z
    .strictObject({
      id: z.string().min(1),
      venueId: z.string().min(1),
      /** Ed25519 private key (PKCS#8 PEM), mode 0600, written by `kiosk provision`. */
      keyFile: z.string().min(1),
      /** HMAC key of the offline risk list (base64url), delivered at enrollment. */
      riskListKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/).optional(),
      direction: z.enum(DIRECTIONS).default('in'),
    })
    .optional(),
  venue: z
    .strictObject({
      kind: z.enum(VENUE_KINDS).default('other'),
      name: z.string().max(200).optional(),
    })
    .prefault({}),
  scanner: scannerSchema,
  gate: gateSchema,
  indicator: indicatorSchema.default({ kind: 'screen' }),
  sensor: sensorSchema.optional(),
  actuation: actuationSchema.prefault({}),
  policy: policySchema.prefault({}),
  upload: z
    .strictObject({
      batchMaxEntries: z.number().int().min(1).max(50_000).default(2000),
      batchMaxBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(2 * 1024 * 1024),
      /** An entry waits at most this long for companions before its batch is sent. */
      batchMaxAgeMs: z.number().int().min(0).max(600_000).default(250),
      backoffMinMs: z.number().int().min(10).default(500),
      backoffMaxMs: z.number().int().min(100).default(60_000),
      /** One upload request (connection, body, answer) may take at most this long. */
      requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    })
    .prefault({}),
  privacy: z
    .strictObject({
      /**
       * The health authority's X25519 public key (raw, base64url). When set, each entry's subject is
       * encrypted to it at scan time: the SD card and the venue's server only hold ciphertext.
       */
      sealSubjectTo: z.string().regex(/^[A-Za-z0-9_-]{43}$/).optional(),
      /**
       * With sealSubjectTo: the day-keys file from `kiosk authority day-keys`. Each sealed entry then
       * carries blind indexes of its identifiers, so the health department can trace without the
       * operator reading who entered (docs/tracing.md). Days missing from the file get none.
       */
      blindIndexKeysFile: z.string().min(1).optional(),
      /**
       * What each entry keeps of the person, per QR format: `id` (the document number, QID, BHYT
       * number or certificate id: what tracing needs) or `none` (format and verdict only). Names,
       * addresses and dates of birth are never stored, whatever this says.
       */
      subjects: z.partialRecord(z.enum(FORMATS), z.enum(['id', 'none'])).default({}),
    })
    .prefault({}),
  /** EU Digital COVID Certificates. */
  dcc: z
    .strictObject({
      /** A local trust list (JSON array of {kid, country, rawData}) used with the synced one. */
      trustFile: z.string().min(1).optional(),
      /** How often the trust list and value sets are synced from the server. */
      syncIntervalMs: z.number().int().min(60_000).max(7 * 86_400_000).default(6 * 3_600_000),
      /** Certificate issue times this far in the future are accepted (kiosk clock drift). */
      clockSkewMs: z.number().int().min(0).max(86_400_000).default(300_000),
    })
    .prefault({}),
  /** A camera as the scanner (or beside one): read in the guard screen's Web Worker. */
  camera: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Part of the camera's label to pick one of several (e.g. "HD Pro Webcam"); default: the first. */
      label: z.string().min(1).optional(),
      width: z.number().int().min(320).max(1920).default(1280),
      height: z.number().int().min(240).max(1080).default(720),
      /** Frames offered to the decoder per second; frames arriving while it is busy are dropped. */
      fps: z.number().int().min(1).max(60).default(10),
    })
    .prefault({}),
  /** The guard and technician screens. */
  ui: z
    .strictObject({
      locale: z.enum(['vi', 'en']).default('vi'),
      /** How long a verdict stays on screen before "ready" returns. */
      resultMs: z.number().int().min(500).max(30_000).default(3000),
      /** A distinct sound per verdict (Web Audio). */
      sounds: z.boolean().default(true),
      /** scrypt hash of the technician PIN (`kiosk keys pin`); without one the technician screen stays locked. */
      technicianPinHash: z.string().regex(/^scrypt\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/).optional(),
    })
    .prefault({}),
  /** The same payload read again within this window is one scan. */
  duplicateWindowMs: z.number().int().min(0).max(60_000).default(2000),
}).superRefine((config, ctx) => {
  // Two outputs on one relay channel or GPIO line would fight each other: refuse at load.
  const seen = new Map<string, string>();
  const outputs: Array<[string, OutputConfig | undefined]> = [['gate', config.gate]];
  if (config.indicator.kind === 'lights') {
    for (const lamp of ['green', 'red', 'amber', 'buzzer'] as const) outputs.push([`indicator.${lamp}`, config.indicator[lamp]]);
  }
  for (const [field, output] of outputs) {
    const key = output && outputKey(output);
    if (!key) continue;
    const other = seen.get(key);
    if (other) ctx.addIssue({ code: 'custom', path: field.split('.'), message: `uses the same output as ${other} (${key})` });
    else seen.set(key, field);
  }
  if (config.gate.kind === 'serial-relay' && config.gate.channels !== undefined && config.gate.channel > config.gate.channels) {
    ctx.addIssue({ code: 'custom', path: ['gate', 'channel'], message: `channel ${config.gate.channel} does not exist on a ${config.gate.channels}-channel board` });
  }
});

export type KioskConfig = z.output<typeof configSchema>;
export type KioskConfigInput = z.input<typeof configSchema>;
export type ScannerConfig = KioskConfig['scanner'];
export type GateConfig = KioskConfig['gate'];
export type PolicyConfig = KioskConfig['policy'];
export type UploadConfig = KioskConfig['upload'];

export interface ConfigProblem {
  /** Dotted path of the field, e.g. `gate.pulseMs`; `(root)` for the file itself. */
  field: string;
  message: string;
}

/** Every problem in a config object, each naming its field. Empty when valid. */
export function configProblems(error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ field: base ? `${base}.${key}` : key, message: 'unknown field (misspelt?)' });
      }
      continue;
    }
    problems.push({ field: base || '(root)', message: issue.message });
  }
  return problems;
}

export type ParsedConfig = { ok: true; config: KioskConfig } | { ok: false; problems: ConfigProblem[] };

export function parseConfig(raw: unknown): ParsedConfig {
  const parsed = configSchema.safeParse(raw);
  return parsed.success ? { ok: true, config: parsed.data } : { ok: false, problems: configProblems(parsed.error) };
}

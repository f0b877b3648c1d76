import { decodeQr } from '../../common/qr/qr-decoder.ts';
import type { Reason } from '../../common/verdict.ts';
import type { TrustEntry } from '../../common/wire.ts';
import { parsePayload } from '../payload/parse.ts';
import { dccCredential } from './credential.ts';
import type { ValueSets } from '../lists/trust-list-store.ts';
import { pngToGray8 } from './png.ts';
import { TrustStore } from './trust.ts';
import { STAGES, verifyDcc, type Stages } from './verify.ts';

/** The output of `kiosk verify --json` (a public contract: fields are added, never renamed). */
export interface Inspection {
  format: string;
  /** The payload text: decoded from the picture with `--image`, else what was given. */
  text: string | null;
  stages: Stages;
  payload: unknown;
  verdict: 'allow' | 'deny' | 'unknown';
  reasons: Reason[];
  /** For a technician: why each failed stage failed, joined. */
  problem?: string;
  /** Each failed stage's own explanation (EU DCC only). */
  problems?: Partial<Record<keyof Stages, string>>;
  /** Real issuers' encodings accepted although the schema says otherwise (EU DCC only). */
  leniencies?: string[];
}

export interface InspectInput {
  /** The payload text (standard input). */
  text?: string;
  /** A PNG holding the QR code (`--image`). */
  png?: Uint8Array;
  /** Null: no trust list given; signatures are not checked and a valid DCC is `unknown`. */
  trust: readonly TrustEntry[] | null;
  nowMs: number;
  /** Value sets beyond the bundled EU snapshot (a server's). */
  valueSets?: ValueSets | null;
}

const noStages = (): Stages => Object.fromEntries(STAGES.map((s) => [s, null])) as Stages;

/**
 * Any QR payload (or a PNG of one) → stages, payload, verdict: what `kiosk verify` prints. EU DCCs
 * go through every verification stage; Vietnamese formats are parsed (identity only: the verdict is
 * `unknown` until a status lookup, which this offline command does not make).
 */
export function inspect(input: InspectInput): Inspection {
  let text = input.text ?? null;
  let imageStage: boolean | null = null;
  if (input.png !== undefined) {
    try {
      text = decodeQr(pngToGray8(input.png));
    } catch {
      text = null;
    }
    imageStage = text !== null;
    if (text === null) {
      return { format: 'unknown', text: null, stages: { ...noStages(), image: false }, payload: null, verdict: 'deny', reasons: ['unreadable'], problem: 'no QR code found in the image (or not a PNG)' };
    }
  }
  // One line end, as a scanner or a shell sends it: CRLF, LF, or a lone CR (scanners' default suffix).
  const payloadText = (text ?? '').replace(/(?:\r\n|\r|\n)$/, '');
  if (payloadText.startsWith('HC1:')) {
    const result = verifyDcc(payloadText, { trust: input.trust === null ? null : new TrustStore(input.trust), nowMs: input.nowMs, valueSets: input.valueSets ?? null });
    return {
      format: result.format,
      text: input.png === undefined ? payloadText : text,
      stages: { ...result.stages, image: imageStage },
      payload: result.payload,
      verdict: result.verdict,
      reasons: result.reasons,
      ...(result.verdict === 'allow' ? {} : { problem: result.problem ?? dccCredential(result).problem ?? 'not verified' }),
      problems: result.problems,
      leniencies: result.leniencies,
    };
  }
  const credential = parsePayload(new TextEncoder().encode(payloadText));
  const stages = { ...noStages(), image: imageStage };
  // Not an HC1 certificate: the prefix stage failed only when nothing else recognised the text.
  if (credential.format === 'unknown') stages.prefix = false;
  const payload = credential.subject === null ? null : { subject: credential.subject, ...(credential.displayName ? { displayName: credential.displayName } : {}), ...(credential.facts ? { facts: credential.facts } : {}) };
  return {
    format: credential.format,
    text: input.png === undefined ? payloadText : text,
    stages,
    payload,
    verdict: credential.assurance === 'unreadable' ? 'deny' : 'unknown',
    reasons: credential.assurance === 'unreadable' ? [...credential.reasons] : ['status-unknown'],
    ...(credential.problem ? { problem: credential.problem } : {}),
  };
}


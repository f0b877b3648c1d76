import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import type { TrustEntry } from '../../common/wire.ts';

/** The EKU OIDs that limit a document signer to test, vaccination, recovery certificates. */
export const DCC_EKU: Readonly<Record<'t' | 'v' | 'r', readonly string[]>> = {
  // The ".0.1847" forms come from an erratum in early specifications and appear in real and test
  // certificates; verifiers accept both (eHealth Network DCC technical specification, vol. 1).
  t: ['1.3.6.1.4.1.1847.2021.1.1', '1.3.6.1.4.1.0.1847.2021.1.1'],
  v: ['1.3.6.1.4.1.1847.2021.1.2', '1.3.6.1.4.1.0.1847.2021.1.2'],
  r: ['1.3.6.1.4.1.1847.2021.1.3', '1.3.6.1.4.1.0.1847.2021.1.3'],
};
const ALL_DCC_EKU = new Set(Object.values(DCC_EKU).flat());

export interface TrustedKey {
  kid: string;
  country: string;
  publicKey: KeyObject;
  notBeforeMs: number;
  notAfterMs: number;
  /** DCC-relevant EKU OIDs of the certificate; empty = no restriction. */
  dccEku: string[];
  /** False when the country publishes CSCAs and none of them issued this certificate. */
  isChainValid: boolean;
}

/** kid = first 8 bytes of SHA-256 of the DER certificate (DCC spec), base64. */
export function kidOf(der: Uint8Array): string {
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('base64');
}

/**
 * Document signer certificates by kid, parsed on first use and cached (a kiosk verifies thousands
 * of certificates against a few hundred signers). The list itself is authenticated by the server's
 * signature; where it also carries a country's CSCAs, a DSC must chain to one of them.
 */
export class TrustStore {
  private readonly entries = new Map<string, TrustEntry[]>();
  private readonly cscaEntries = new Map<string, TrustEntry[]>();
  private readonly parsed = new Map<string, TrustedKey[]>();
  private cscas: Map<string, X509Certificate[]> | undefined;
  /** Document signers in the list. */
  readonly size: number;

  constructor(entries: readonly TrustEntry[]) {
    let size = 0;
    for (const e of entries) {
      const bucket = e.certificateType === 'CSCA' ? this.cscaEntries : this.entries;
      const key = e.certificateType === 'CSCA' ? e.country : e.kid;
      bucket.set(key, [...(bucket.get(key) ?? []), e]);
      if (e.certificateType !== 'CSCA') size++;
    }
    this.size = size;
  }

  /** Every usable key for a kid (a kid may, rarely, collide across signers). */
  keysFor(kid: string): TrustedKey[] {
    const cached = this.parsed.get(kid);
    if (cached) return cached;
    const keys: TrustedKey[] = [];
    for (const e of this.entries.get(kid) ?? []) {
      try {
        const cert = new X509Certificate(Buffer.from(e.rawData, 'base64'));
        const eku = (cert as X509Certificate & { keyUsage?: string[] }).keyUsage ?? [];
        const anchors = this.cscasOf(e.country);
        keys.push({
          kid,
          country: e.country,
          publicKey: cert.publicKey,
          notBeforeMs: Date.parse(cert.validFrom),
          notAfterMs: Date.parse(cert.validTo),
          dccEku: eku.filter((o) => ALL_DCC_EKU.has(o)),
          isChainValid: anchors.length === 0 || anchors.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey)),
        });
      } catch {
        // A malformed certificate in the list trusts nothing; the others still work.
      }
    }
    if (this.parsed.size < 10_000) this.parsed.set(kid, keys);
    return keys;
  }

  private cscasOf(country: string): X509Certificate[] {
    this.cscas ??= new Map();
    let list = this.cscas.get(country);
    if (!list) {
      list = [];
      for (const e of this.cscaEntries.get(country) ?? []) {
        try {
          list.push(new X509Certificate(Buffer.from(e.rawData, 'base64')));
        } catch {
          // A malformed CSCA anchors nothing.
        }
      }
      this.cscas.set(country, list);
    }
    return list;
  }
}

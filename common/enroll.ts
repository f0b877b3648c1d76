/**
 * The enrollment QR a technician scans with the kiosk's own scanner or camera:
 *   KIOSK-ENROLL:1:<one-time code>:<server URL>
 * e.g. `KIOSK-ENROLL:1:7K3M9QXRT2PD:https://tracing.example.vn`. Upper-case alphanumerics and
 * `:/.-` only up to the URL, so it fits QR alphanumeric mode and survives a keyboard-wedge scanner.
 */
export const ENROLL_PREFIX = 'KIOSK-ENROLL:1:';

export interface EnrollmentQr {
  code: string;
  serverUrl: string;
}

export function formatEnrollmentQr(e: EnrollmentQr): string {
  return `${ENROLL_PREFIX}${e.code}:${e.serverUrl}`;
}

/** The code and server of an enrollment QR; undefined for anything else (or a malformed one). */
export function parseEnrollmentQr(text: string): EnrollmentQr | undefined {
  const t = text.trim();
  if (!t.startsWith(ENROLL_PREFIX)) return undefined;
  const rest = t.slice(ENROLL_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0) return undefined;
  const code = rest.slice(0, colon);
  const serverUrl = rest.slice(colon + 1);
  if (!/^[0-9A-Z-]{4,64}$/.test(code) || !/^https?:\/\/[^\s/]+(\/\S*)?$/i.test(serverUrl)) return undefined;
  return { code, serverUrl };
}

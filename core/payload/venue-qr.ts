import type { Credential } from './types.ts';
import { unreadable } from './types.ts';

/**
 * Venue check-in posters (the QR a venue printed for PC-COVID / VNeID / the health declaration
 * sites) are what people most often hold up by mistake. They are recognised so the guard can say
 * "show your personal QR" instead of "unreadable". Hosts are the national declaration services.
 */
export const VENUE_QR_HOSTS = ['pccovid.gov.vn', 'tokhaiyte.vn', 'khaibaoyte.gov.vn', 'kbyt.khambenh.gov.vn', 'bluezone.gov.vn', 'vneid.gov.vn'] as const;

export function looksLikeUrl(text: string): boolean {
  return /^https?:\/\//i.test(text.trim());
}

export function parseUrl(text: string): Credential {
  let host: string;
  try {
    host = new URL(text.trim()).hostname.toLowerCase();
  } catch {
    return unreadable('a URL that does not parse', 'unknown', ['unknown-format']);
  }
  const isVenue = VENUE_QR_HOSTS.some((h) => host === h || host.endsWith(`.${h}`));
  if (isVenue) {
    return { ...unreadable(`a venue's check-in poster (${host}), not a personal QR`, 'venue-qr', ['venue-qr']), facts: { host } };
  }
  return unreadable(`a web address (${host}), not a health QR`, 'unknown', ['unknown-format']);
}

/**
 * ISO-8601 as people and test data write it: `2021-05-20T10:00:00Z`, with 0-9 fraction digits,
 * `+0200` or `+02:00` offsets, or none (then `defaultOffset`: UTC unless the caller says otherwise,
 * e.g. `+07:00` for a Vietnamese venue's own dates). Undefined when not a time.
 */
export function parseInstant(text: string, defaultOffset = 'Z'): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(:\d{2})?(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text.trim());
  if (!m) return undefined;
  const [, date, hm = '00:00', sec = ':00', frac = '', zone = defaultOffset] = m as unknown as [string, string, string?, string?, string?, string?];
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(3).replace(':', '') || '00'}`;
  const ms = Date.parse(`${date}T${hm}${sec}.${frac.padEnd(3, '0').slice(0, 3)}${offset}`);
  return Number.isFinite(ms) ? ms : undefined;
}

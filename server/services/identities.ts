import { randomBytes } from 'node:crypto';
import { KioskError } from '../../common/errors.ts';
import { parseSubjectText, subjectKeyText } from '../../common/subject-id.ts';
import type { Subject } from '../../common/wire.ts';
import type { IdentityLink, TracingStore } from '../store/tracing.ts';

/**
 * The person registry import: one person per line, two or more identifiers separated by spaces,
 * commas or semicolons (`qid:QR0001 cccd:079303001234 cmnd:025123456`). A person some of whose
 * identifiers are already registered keeps that person id, so imports add to what the server knows.
 */
export function parseIdentityLines(lines: readonly string[], where: (i: number) => string): Subject[][] {
  const problems: string[] = [];
  const people: Subject[][] = [];
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.length > 1000) return void problems.push(`${where(i)}: longer than 1000 characters`);
    const subjects: Subject[] = [];
    for (const part of line.split(/[\s,;]+/)) {
      const s = parseSubjectText(part);
      if (!s.ok) return void problems.push(`${where(i)}: "${part.slice(0, 40)}": ${s.problem}`);
      subjects.push(s.subject);
    }
    if (subjects.length < 2) return void problems.push(`${where(i)}: a person needs two or more identifiers to link`);
    people.push(subjects);
  });
  if (problems.length) throw new KioskError('bad-request', `identities: ${problems.slice(0, 20).join('; ')}${problems.length > 20 ? '; …' : ''}`);
  return people;
}

export async function importIdentities(store: TracingStore, people: readonly Subject[][], source: string): Promise<{ people: number; links: number }> {
  const links: IdentityLink[] = [];
  for (const subjects of people) {
    const known = await store.personIdsOf(subjects);
    const personId = [...known.values()].sort()[0] ?? `person_${randomBytes(8).toString('hex')}`;
    const seen = new Set<string>();
    for (const subject of subjects) {
      if (seen.has(subjectKeyText(subject))) continue;
      seen.add(subjectKeyText(subject));
      links.push({ personId, subject, source });
    }
  }
  await store.linkIdentities(links);
  return { people: people.length, links: links.length };
}

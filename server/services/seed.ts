import type { HealthStatus } from '../../common/verdict.ts';
import type { Subject } from '../../common/wire.ts';
import type { ServerStore, SubjectStatusRow } from '../store/store.ts';
import type { IdentityLink } from '../store/tracing.ts';

/**
 * Realistic, reproducible test people: Vietnamese names with diacritics, CCCD numbers consistent
 * with birth date and sex (Circular 07/2016/TT-BCA), PC-COVID QIDs, and a status mix. Used by
 * `kiosk server seed`, the demo, tests and benchmarks. Never real people: the serial part of each
 * number comes from a seeded generator.
 */
export interface Person {
  cccd: string;
  oldCmnd: string;
  name: string;
  /** ddmmyyyy */
  dob: string;
  sex: 'Nam' | 'Nữ';
  address: string;
  /** ddmmyyyy */
  issued: string;
  qid: string;
  status: HealthStatus;
  flags: Array<'F0' | 'F1'>;
  /** Hours before seeding that the person declared (0-47); null when never. */
  declaredHoursAgo: number | null;
}

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'];
const MIDDLE_M = ['Văn', 'Hữu', 'Đức', 'Minh', 'Quốc', 'Thanh', 'Công'];
const MIDDLE_F = ['Thị', 'Ngọc', 'Thu', 'Thanh', 'Minh', 'Kim', 'Thị Ánh'];
const GIVEN_M = ['An', 'Bình', 'Cường', 'Dũng', 'Đạt', 'Hải', 'Hùng', 'Khánh', 'Long', 'Nam', 'Phúc', 'Quân', 'Sơn', 'Tuấn', 'Việt'];
const GIVEN_F = ['Anh', 'Châu', 'Hà', 'Hạnh', 'Hương', 'Lan', 'Linh', 'Mai', 'Ngân', 'Oanh', 'Thảo', 'Trang', 'Tuyết', 'Yến', 'Ánh'];
const PLACES: Array<[string, string]> = [
  ['001', 'Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội'],
  ['079', 'Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh'],
  ['048', 'Phường Hải Châu I, Quận Hải Châu, Đà Nẵng'],
  ['031', 'Phường Máy Tơ, Quận Ngô Quyền, Hải Phòng'],
  ['092', 'Phường An Hội, Quận Ninh Kiều, Cần Thơ'],
  ['046', 'Phường Phú Hội, TP. Huế, Thừa Thiên Huế'],
  ['075', 'Phường Tân Phong, TP. Biên Hòa, Đồng Nai'],
];

/** Small deterministic PRNG (mulberry32): the same seed gives the same people on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const digits = (r: () => number, n: number): string => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
const pad2 = (n: number): string => String(n).padStart(2, '0');

export function makePerson(r: () => number, index: number): Person {
  const isMale = r() < 0.5;
  const year = 1945 + Math.floor(r() * 60);
  const month = 1 + Math.floor(r() * 12);
  const day = 1 + Math.floor(r() * 28);
  const [province, address] = pick(r, PLACES);
  const centuryCode = Math.floor((year - 1900) / 100) * 2 + (isMale ? 0 : 1);
  const cccd = `${province}${centuryCode}${String(year % 100).padStart(2, '0')}${digits(r, 6)}`;
  const roll = r();
  const status: HealthStatus = roll < 0.8 ? 'green' : roll < 0.88 ? 'yellow' : roll < 0.92 ? 'red' : 'unknown';
  const flags: Array<'F0' | 'F1'> = status === 'red' ? [r() < 0.5 ? 'F0' : 'F1'] : [];
  return {
    cccd,
    oldCmnd: r() < 0.6 ? digits(r, 9) : '',
    name: `${pick(r, FAMILY)} ${pick(r, isMale ? MIDDLE_M : MIDDLE_F)} ${pick(r, isMale ? GIVEN_M : GIVEN_F)}`,
    dob: `${pad2(day)}${pad2(month)}${year}`,
    sex: isMale ? 'Nam' : 'Nữ',
    address,
    issued: `${pad2(1 + Math.floor(r() * 28))}${pad2(1 + Math.floor(r() * 12))}2021`,
    qid: `QR${String(index).padStart(6, '0')}${digits(r, 6)}`,
    status,
    flags,
    declaredHoursAgo: status === 'unknown' ? null : Math.floor(r() * 20),
  };
}

export function makePeople(count: number, seed = 2021): Person[] {
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => makePerson(r, i));
}

/** The chip ID card QR (7 fields; 11 with the newer card's extra fields). */
export function cccdQr(p: Person, fields: 7 | 11 = 7): string {
  const base = [p.cccd, p.oldCmnd, p.name, p.dob, p.sex, p.address, p.issued];
  return (fields === 11 ? [...base, '', '', '', ''] : base).join('|');
}

/** The PC-COVID personal QR; masked like the app shows it when `isMasked`. */
export function pcCovidQr(p: Person, isMasked = false): string {
  const number = isMasked ? `${p.cccd.slice(0, 3)}*******${p.cccd.slice(-2)}` : p.cccd;
  const dob = `${p.dob.slice(0, 2)}/${p.dob.slice(2, 4)}/${p.dob.slice(4)}`;
  return [number, p.name, dob, 'CCCD', p.qid, ''].join('|');
}

/** The person's health-insurance card number: group, benefit level, province, 10-digit social-security number. */
export function bhytCardOf(p: Person): string {
  return `DN4${p.cccd.slice(1, 3)}${p.cccd.slice(2)}`;
}

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

/** The QR on the BHYT card: name and address hex-encoded UTF-8, `$` terminated (13 fields). */
export function bhytQr(p: Person, options: { isTerminated?: boolean } = {}): string {
  const dob = `${p.dob.slice(0, 2)}/${p.dob.slice(2, 4)}/${p.dob.slice(4)}`;
  const card = bhytCardOf(p);
  const fields = [card, hex(p.name), dob, p.sex === 'Nam' ? '1' : '2', hex(p.address), `${card.slice(3, 5)} - 001`, '01/01/2021', '31/12/2025', '15/12/2020', card.slice(-10), '-', '4'];
  return [...fields, ...(options.isTerminated === false ? [] : ['$'])].join('|');
}

/** The rows a status server holds for a person: by ID number, by QID and by BHYT number. */
export function subjectsOf(p: Person): Subject[] {
  return [
    { type: 'cccd', id: p.cccd },
    { type: 'qid', id: p.qid },
    { type: 'bhyt', id: bhytCardOf(p).slice(-10) },
  ];
}

/**
 * The status rows of the people, declarations dated relative to `nowMs` (so seeded data stays
 * current whenever it is seeded); people with status `unknown` get no row (the server never heard of them).
 */
export function statusRowsOf(people: readonly Person[], nowMs = Date.now()): SubjectStatusRow[] {
  const rows: SubjectStatusRow[] = [];
  for (const p of people) {
    if (p.status === 'unknown') continue;
    const declaredAt = p.declaredHoursAgo === null ? null : nowMs - p.declaredHoursAgo * 3600_000;
    for (const subject of subjectsOf(p)) rows.push({ subject, status: p.status, flags: p.flags, declaredAt });
  }
  return rows;
}

/** Writes the people's statuses in one go. */
export async function seedStatuses(store: Pick<ServerStore, 'setSubjectStatuses'>, people: readonly Person[], nowMs = Date.now()): Promise<void> {
  await store.setSubjectStatuses(statusRowsOf(people, nowMs));
}

/**
 * The person registry rows for the people: their PC-COVID QID, CCCD and (when the card has one)
 * old CMND number belong to one person, so a case known by any of them is traced by all.
 */
export function identityLinksOf(people: readonly Person[], source = 'seed'): IdentityLink[] {
  return people.flatMap((p) => {
    const personId = `person_${p.cccd}`;
    const ids: Subject[] = [{ type: 'cccd', id: p.cccd }, { type: 'qid', id: p.qid }, ...(p.oldCmnd ? [{ type: 'cmnd' as const, id: p.oldCmnd }] : [])];
    return ids.map((subject) => ({ personId, subject, source }));
  });
}

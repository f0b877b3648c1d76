import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAuthorityKey } from '../../core/privacy/seal.ts';
import { issueToken } from '../../server/services/tokens.ts';
import { cccdQr, makePeople, type Person } from '../../server/services/seed.ts';
import { runKiosk } from '../helpers/cli.ts';
import { startTestKiosk, stopAll, type TestKiosk } from '../helpers/kiosk.ts';
import { enrollDevice, startTestServer, tempDirRemovedAtExit, type TestServer } from '../helpers/server.ts';

/**
 * The Done-when scenario of issue 13 with real kiosk cores: two venues, two kiosks, a case and a
 * contact scanned at venue A, a stranger at venue B, all uploaded; then the health department's
 * trace, in plain and with sealed subjects.
 */
const people = makePeople(40, 13).filter((p) => p.oldCmnd !== '');
const [CASE, CONTACT, STRANGER] = people as [Person, Person, Person];

async function uploaded(k: TestKiosk, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await k.running.core.whenIdle();
    const s = k.running.outbox.stats();
    if (s.lastSeq >= count && s.pending === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`kiosk did not upload ${count} entries: ${JSON.stringify(k.running.outbox.stats())}`);
}

describe('contact tracing end to end', () => {
  let server: TestServer | undefined;
  let kioskA: TestKiosk | undefined;
  let kioskB: TestKiosk | undefined;
  afterEach(async () => {
    await stopAll(kioskA, undefined);
    await stopAll(kioskB, server);
    kioskA = kioskB = server = undefined;
  });

  async function scenario(privacy: Record<string, string> = {}): Promise<{ venueA: string; venueB: string; from: string; to: string }> {
    server = await startTestServer();
    const a = await enrollDevice(server.store);
    const b = await enrollDevice(server.store, 'bus-station');
    kioskA = await startTestKiosk({ serverUrl: server.url, device: a, config: { privacy } });
    kioskB = await startTestKiosk({ serverUrl: server.url, device: b, config: { privacy } });
    const from = new Date(Date.now() - 3600_000).toISOString();
    kioskA.scanner.emit(cccdQr(CASE));
    await kioskA.running.core.whenIdle();
    kioskA.scanner.emit(cccdQr(CONTACT, 11));
    kioskB.scanner.emit(cccdQr(STRANGER));
    await uploaded(kioskA, 2);
    await uploaded(kioskB, 1);
    return { venueA: a.venueId, venueB: b.venueId, from, to: new Date(Date.now() + 3600_000).toISOString() };
  }

  it('lists the contact at venue A, never the stranger at B nor the case, by CCCD and by the old CMND', async () => {
    const { venueA, from, to } = await scenario();
    const db = (server as TestServer).dbPath;
    const byCccd = await runKiosk(['server', 'trace', '--db', db, '--subject', `cccd:${CASE.cccd}`, '--from', from, '--to', to, '--json']);
    expect(byCccd.stderr).toBe('');
    const result = JSON.parse(byCccd.stdout) as { visits: Array<{ venueId: string }>; contacts: Array<{ subject: { type: string; id: string }; venueId: string; degree: string; overlapMs: number }> };
    expect(result.visits.map((v) => v.venueId)).toEqual([venueA]);
    expect(result.contacts).toEqual([expect.objectContaining({ subject: { type: 'cccd', id: CONTACT.cccd }, venueId: venueA, degree: 'F1' })]);
    expect(byCccd.stdout).not.toContain(STRANGER.cccd);

    // The kiosk uploaded the CCCD's old CMND number: a case known only by it is found too.
    const byCmnd = await runKiosk(['server', 'trace', '--db', db, '--subject', `cmnd:${CASE.oldCmnd}`, '--from', from, '--to', to, '--csv']);
    expect(byCmnd.stdout.startsWith('\uFEFFMức tiếp xúc,')).toBe(true);
    expect(byCmnd.stdout).toContain(`F1,cccd,${CONTACT.cccd},${venueA}`);
    expect(byCmnd.stdout).not.toContain(STRANGER.cccd);
    expect(byCmnd.stdout).not.toContain(`cccd,${CASE.cccd}`);

    // Outbreak venues for a cases file; a broken file is refused naming its lines.
    const dir = tempDirRemovedAtExit('kiosk-cases-');
    const cases = join(dir, 'cases.txt');
    writeFileSync(cases, `# ca bệnh\ncccd:${CASE.cccd}\n\ncmnd:${STRANGER.oldCmnd}\n`);
    const exposure = await runKiosk(['server', 'exposure', '--db', db, '--cases', cases, '--from', from, '--to', to, '--json']);
    expect(JSON.parse(exposure.stdout)).toMatchObject({ cases: 2, casesWithVisits: 2, venues: [{ venueId: venueA, cases: 1, exposed: 1, exposedCases: 0 }, { cases: 1, exposed: 0 }] });
    const broken = join(dir, 'broken.txt');
    writeFileSync(broken, `cccd:${CASE.cccd}\ncccd:123\nssn:1\n`);
    const refused = await runKiosk(['server', 'exposure', '--db', db, '--cases', broken, '--from', from, '--to', to]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/broken\.txt line 2: a cccd number is 12 digits; .*broken\.txt line 3: unknown subject type "ssn"/);

    const auditOut = await runKiosk(['server', 'audit', '--db', db, '--json']);
    const records = JSON.parse(auditOut.stdout) as Array<{ action: string; actor: string; resultCount: number; subjectHash: string }>;
    expect(records.map((r) => [r.action, r.resultCount])).toEqual([
      ['trace', 1],
      ['trace', 1],
      ['exposure', 2],
    ]);
    expect(records[0]?.actor).toMatch(/^cli:/);
    expect(auditOut.stdout).not.toContain(CASE.cccd);
  }, 120_000);

  it('traces sealed subjects through the health department tool, while the operator database holds none of the identifiers', async () => {
    const dir = tempDirRemovedAtExit('kiosk-authority-');
    const authority = generateAuthorityKey();
    const keyFile = join(dir, 'authority.pem');
    writeFileSync(keyFile, authority.privateKeyPem, { mode: 0o600 });
    const dayKeys = join(dir, 'day-keys.json');
    const yesterday = new Date(Date.now() + 7 * 3600_000 - 86_400_000).toISOString().slice(0, 10);
    const made = await runKiosk(['authority', 'day-keys', '--key', keyFile, '--from', yesterday, '--days', '3', '--out', dayKeys]);
    expect(made.code, made.stderr).toBe(0);

    const { venueA, from, to } = await scenario({ sealSubjectTo: authority.publicKey, blindIndexKeysFile: dayKeys });
    const s = server as TestServer;
    const { token } = await issueToken(s.store.tracing, { role: 'health', now: Date.now() });
    const viaServer = await runKiosk(['authority', 'trace', '--key', keyFile, '--server', s.url, '--token', token, '--subject', `cccd:${CASE.cccd}`, '--from', from, '--to', to, '--json']);
    expect(viaServer.stderr).toBe('');
    const result = JSON.parse(viaServer.stdout) as { visits: Array<{ venueId: string }>; contacts: Array<{ subject: unknown; venueId: string; degree: string }> };
    expect(result.visits.map((v) => v.venueId)).toEqual([venueA]);
    expect(result.contacts).toEqual([expect.objectContaining({ subject: { type: 'cccd', id: CONTACT.cccd }, venueId: venueA, degree: 'F1' })]);

    // Known by the old CMND, read from the operator's database directly: the same contact.
    const viaDb = await runKiosk(['authority', 'trace', '--key', keyFile, '--db', s.dbPath, '--subject', `cmnd:${CASE.oldCmnd}`, '--from', from, '--to', to, '--json']);
    expect(viaDb.stderr).toBe('');
    expect((JSON.parse(viaDb.stdout) as typeof result).contacts.map((c) => c.subject)).toEqual([{ type: 'cccd', id: CONTACT.cccd }]);

    // The operator's own trace by the plain number finds nothing: the database has no plain identifiers.
    const operator = await runKiosk(['server', 'trace', '--db', s.dbPath, '--subject', `cccd:${CASE.cccd}`, '--from', from, '--to', to, '--json']);
    expect((JSON.parse(operator.stdout) as typeof result).visits).toEqual([]);

    await stopAll(kioskA, undefined);
    await stopAll(kioskB, server);
    kioskA = kioskB = server = undefined;
    const files = readdirSync(dirname(s.dbPath));
    expect(files.some((f) => f.startsWith('server.db'))).toBe(true);
    const bytes = files.filter((f) => f.startsWith('server.db')).map((f) => readFileSync(join(dirname(s.dbPath), f)).toString('latin1')).join('');
    expect(bytes.length).toBeGreaterThan(0);
    for (const p of [CASE, CONTACT, STRANGER]) {
      for (const id of [p.cccd, p.oldCmnd, p.qid]) expect(bytes.includes(id), `${id} found in the operator's database`).toBe(false);
    }
  }, 180_000);
});

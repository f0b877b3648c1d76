import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../common/clock.ts';
import { RISK_HASH_BYTES, riskHashInput } from '../../common/risk.ts';
import { HttpClient } from '../../core/http/client.ts';
import { identityFromKey, rawPublicKey } from '../../core/identity/device-key.ts';
import { silentLogger } from '../../core/log.ts';
import { Outbox } from '../../core/outbox/outbox.ts';
import { RiskList, RiskListSync } from '../../core/status/risk-list.ts';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store.ts';
import { distribution, rssMiB, type Suite } from './common.ts';
import { startServerProcess } from './server-process.ts';

const LIST = Number(process.env.BENCH_RISK_LIST ?? 1_000_000);
const CHANGES = Number(process.env.BENCH_RISK_CHANGES ?? 10_000);
const CHECKS = 100_000;

/**
 * The offline risk list at national scale: a first sync of a 1,000,000-entry list, lookups of one
 * identifier against it, and a delta sync of 10,000 changes; the reference server in its own
 * process, the kiosk side (production RiskListSync and store) in this one.
 */
export const riskListSuite: Suite = {
  name: 'risk-list',
  description: `${LIST}-entry risk list: first sync, lookups, delta sync of ${CHANGES} changes`,
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-bench-risk-'));
    const serverDb = join(dir, 'server.db');
    const store = new SqliteStore(serverDb);
    const { enrollmentCode } = await store.createVenue('Bench', 'office');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { device } = await store.enroll(enrollmentCode, rawPublicKey(publicKey), 'bench');
    const key = store.riskKey;
    const hashOf = (i: number) => createHmac('sha256', key).update(riskHashInput('cccd', `0${String(i).padStart(11, '0')}`)).digest().subarray(0, RISK_HASH_BYTES);
    const addAll = store.db.prepare('INSERT OR IGNORE INTO risk_list (hash) VALUES (?)');
    const logChange = store.db.prepare('INSERT INTO risk_changes (hash, is_added, at) VALUES (?, ?, 0)');
    store.db.transaction(() => {
      for (let i = 0; i < LIST; i++) {
        const h = hashOf(i);
        addAll.run(h);
        logChange.run(h, 1);
      }
    })();
    await store.close();
    log(`  server list of ${LIST} hashes written`);

    const server = await startServerProcess(serverDb);
    const outbox = Outbox.open({ path: join(dir, 'kiosk.db'), bootId: 'bench', nowMs: Date.now });
    const http = new HttpClient({ baseUrl: server.url, identity: identityFromKey(device.id, privateKey), clock: systemClock, maxResponseBytes: 8 * 1024 * 1024 });
    const sync = new RiskListSync({ http, store: outbox.riskList, clock: systemClock, log: silentLogger, intervalMs: 3_600_000 });
    const list = new RiskList(key.toString('base64url'), outbox.riskList, systemClock);

    const rssBefore = rssMiB();
    let t = performance.now();
    if (!(await sync.syncNow())) throw new Error('first sync failed');
    const firstSyncS = (performance.now() - t) / 1000;
    const size = outbox.riskList.state().size;
    const rssAfterFirst = rssMiB();
    log(`  first sync: ${size} hashes in ${firstSyncS.toFixed(2)} s, RSS of this process ${rssBefore} → ${rssAfterFirst} MiB`);

    const checkNs: number[] = [];
    let hits = 0;
    for (let i = 0; i < CHECKS; i++) {
      const subject = { type: 'cccd' as const, id: `0${String(i % 2 === 0 ? i * 7 : LIST + i).padStart(11, '0')}` };
      const t0 = process.hrtime.bigint();
      if (list.isListed(subject)) hits++;
      checkNs.push(Number(process.hrtime.bigint() - t0));
    }
    const check = distribution(checkNs.map((ns) => ns / 1000));
    log(`  check one identifier: p50 ${check.p50} µs, p99 ${check.p99} µs (${hits} of ${CHECKS} listed)`);

    // 10,000 changes on the server: half removals of listed people, half new flags.
    const edit = new SqliteStore(serverDb);
    const del = edit.db.prepare('DELETE FROM risk_list WHERE hash = ?');
    const add = edit.db.prepare('INSERT OR IGNORE INTO risk_list (hash) VALUES (?)');
    const change = edit.db.prepare('INSERT INTO risk_changes (hash, is_added, at) VALUES (?, ?, 0)');
    edit.db.transaction(() => {
      for (let i = 0; i < CHANGES / 2; i++) {
        const gone = hashOf(i * 3);
        del.run(gone);
        change.run(gone, 0);
        const added = randomBytes(RISK_HASH_BYTES);
        add.run(added);
        change.run(added, 1);
      }
    })();
    await edit.close();
    t = performance.now();
    if (!(await sync.syncNow())) throw new Error('delta sync failed');
    const deltaSyncMs = performance.now() - t;
    const after = outbox.riskList.state().size;
    log(`  delta sync of ${CHANGES} changes: ${deltaSyncMs.toFixed(0)} ms; list ${after}; RSS ${rssMiB()} MiB`);
    outbox.close();
    await server.stop();
    const kioskDbMiB = Math.round((statSync(join(dir, 'kiosk.db')).size / 2 ** 20) * 10) / 10;
    rmSync(dir, { recursive: true, force: true });
    return {
      listSize: size,
      firstSyncSeconds: Math.round(firstSyncS * 100) / 100,
      checkMicros: check,
      deltaChanges: CHANGES,
      deltaSyncMs: Math.round(deltaSyncMs),
      listSizeAfterDelta: after,
      rssBeforeFirstSyncMiB: rssBefore,
      rssAfterFirstSyncMiB: rssAfterFirst,
      rssAfterDeltaMiB: rssMiB(),
      kioskDbMiB,
      isConsistent: after === size && hits === CHECKS / 2,
    };
  },
};

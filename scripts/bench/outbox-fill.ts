import Database from 'better-sqlite3';
import { parse as parseUuid, v7 as uuidv7 } from 'uuid';
import { Outbox } from '../../core/outbox/outbox.ts';

/**
 * Fills an outbox with `count` pending entries of realistic shape in bulk transactions (the bench
 * measures catch-up and disk use, not the per-scan commit).
 */
export function fillOutbox(path: string, count: number, bootId = 'bench-boot'): void {
  Outbox.open({ path, bootId, nowMs: Date.now }).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const boot = (db.prepare('SELECT id FROM boots WHERE boot_id = ?').get(bootId) as { id: number }).id;
  const insert = db.prepare(`INSERT INTO entries (entry_id, recorded_at, boot, mono_ms, clock_synced, direction, format, verdict,
      reasons, source, status, subject_type, subject_id, data_age_ms, latency_ms) VALUES (?, ?, ?, ?, 1, 'in', 'vn-cccd', ?, ?, 'online', ?, 'cccd', ?, NULL, ?)`);
  const start = Date.UTC(2021, 8, 1, 1);
  const chunk = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const deny = i % 17 === 0;
      insert.run(
        Buffer.from(parseUuid(uuidv7())),
        start + i * 500,
        boot,
        1000 + i * 500.25,
        deny ? 'deny' : 'allow',
        deny ? 'status-red,flag-f1' : 'status-green',
        deny ? 'red' : 'green',
        `0793${String(i).padStart(8, '0')}`,
        1.5 + (i % 7) / 10,
      );
    }
  });
  for (let i = 0; i < count; i += 50_000) chunk(i, Math.min(count, i + 50_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

import type { Database } from 'better-sqlite3';

export const serverMigration0010 = {
  version: 10,
  name: 'initial',
  up(db: Database): void {
    db.exec(`
      CREATE TABLE venues (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE enrollment_codes (
        code TEXT PRIMARY KEY,
        venue_id TEXT NOT NULL REFERENCES venues(id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        device_id TEXT
      );
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        venue_id TEXT NOT NULL REFERENCES venues(id),
        public_key TEXT NOT NULL UNIQUE,
        name TEXT,
        risk_key BLOB NOT NULL,
        enrolled_at INTEGER NOT NULL,
        last_seen_at INTEGER
      );
      CREATE TABLE entries (
        entry_id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        venue_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        batch_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        boot_id TEXT NOT NULL,
        mono_ms REAL NOT NULL,
        clock_synced INTEGER NOT NULL,
        direction TEXT NOT NULL,
        format TEXT NOT NULL,
        verdict TEXT NOT NULL,
        reasons TEXT NOT NULL,
        source TEXT NOT NULL,
        status TEXT NOT NULL,
        subject_type TEXT,
        subject_id TEXT,
        data_age_ms INTEGER,
        latency_ms REAL NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX entries_device_seq ON entries(device_id, seq);
      CREATE INDEX entries_venue_time ON entries(venue_id, recorded_at);
      CREATE TABLE batches (
        batch_id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        count INTEGER NOT NULL,
        accepted INTEGER NOT NULL,
        duplicates INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE seq_ranges (
        device_id TEXT NOT NULL,
        from_seq INTEGER NOT NULL,
        to_seq INTEGER NOT NULL,
        PRIMARY KEY (device_id, from_seq)
      ) WITHOUT ROWID;
      CREATE TABLE nonces (
        device_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (device_id, nonce)
      ) WITHOUT ROWID;
      CREATE TABLE subjects (
        type TEXT NOT NULL,
        id TEXT NOT NULL,
        status TEXT NOT NULL,
        flags TEXT NOT NULL DEFAULT '',
        declared_at INTEGER,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (type, id)
      ) WITHOUT ROWID;
    `);
  },
};

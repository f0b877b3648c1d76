import { KioskError } from '../../../common/errors.ts';
import type { OpenStoreOptions, ServerStore } from '../store.ts';

/** Placeholder until the PostgreSQL engine lands (issue 12). */
export const PostgresStore = {
  async open(db: string, _options: OpenStoreOptions): Promise<ServerStore> {
    throw new KioskError('config-invalid', `PostgreSQL is not implemented yet (${db.replace(/:[^:@/]*@/, ':***@')})`);
  },
};

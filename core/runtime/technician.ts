import type { KioskEvent } from '../../common/events.ts';
import type { KioskStatus, TechnicianReply, TechnicianRequest } from '../../common/ipc/contract.ts';
import { fail, ok, type Result } from '../../common/result.ts';
import { verifyPin } from '../identity/pin.ts';

export interface TechnicianOptions {
  /** `ui.technicianPinHash`; without one the screen stays locked. */
  pinHash: string | undefined;
  status(): Promise<KioskStatus | undefined>;
  /** Asks the core to click the gate; false when no core runs. */
  gateTest(): boolean;
  nowMs?: () => number;
  maxFailures?: number;
  lockMs?: number;
}

const RECENT = 50;

/**
 * The technician screen's back end, in the supervising process (Electron main or `kiosk run`): the
 * PIN is checked here, never in the page; five wrong PINs in a row lock every request for five
 * minutes; the reply carries the status and the latest events (the log tail the screen shows).
 */
export class TechnicianService {
  private readonly o: TechnicianOptions;
  private readonly recent: KioskEvent[] = [];
  private failures = 0;
  private lockedUntil = 0;

  constructor(options: TechnicianOptions) {
    this.o = options;
  }

  observe(event: KioskEvent): void {
    this.recent.push(event);
    if (this.recent.length > RECENT) this.recent.shift();
  }

  async handle(request: TechnicianRequest): Promise<Result<TechnicianReply>> {
    const now = (this.o.nowMs ?? Date.now)();
    if (now < this.lockedUntil) {
      return fail({ code: 'rate-limited', message: `too many wrong PINs: locked for ${Math.ceil((this.lockedUntil - now) / 1000)} s more` });
    }
    if (!this.o.pinHash) return fail({ code: 'forbidden', message: 'no technician PIN is set: run `kiosk keys pin` and put the hash in ui.technicianPinHash' });
    if (!verifyPin(request.pin, this.o.pinHash)) {
      this.failures++;
      const max = this.o.maxFailures ?? 5;
      if (this.failures >= max) {
        this.failures = 0;
        this.lockedUntil = now + (this.o.lockMs ?? 300_000);
        return fail({ code: 'rate-limited', message: `${max} wrong PINs: locked for ${Math.round((this.o.lockMs ?? 300_000) / 60_000)} min` });
      }
      return fail({ code: 'unauthorized', message: `wrong PIN (${max - this.failures} tries left)` });
    }
    this.failures = 0;
    let message: string | undefined;
    if (request.action === 'gate-test') message = this.o.gateTest() ? 'gate clicked: listen for the relay' : 'the core is restarting: try again';
    return ok({ status: (await this.o.status()) ?? null, recent: [...this.recent], ...(message ? { message } : {}) });
  }
}

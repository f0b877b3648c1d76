import type { KioskStatus } from '../../common/ipc/contract.ts';
import type { KioskEvent } from '../../common/events.ts';

type DeviceState = KioskStatus['scanner']['state'];

/** Folds the event stream into the status-strip snapshot the UI asks for on start. */
export class StatusTracker {
  private scanner: { id: string; state: DeviceState } = { id: 'unknown', state: 'waiting' };
  private gate: { id: string; state: DeviceState } = { id: 'unknown', state: 'waiting' };
  private online = false;
  private trustList: KioskStatus['trustList'];

  observe(event: KioskEvent): void {
    switch (event.type) {
      case 'ready':
        this.scanner = { id: event.scanner, state: this.scanner.state === 'waiting' ? 'connected' : this.scanner.state };
        this.gate = { id: event.gate, state: 'connected' };
        break;
      case 'device':
        if (event.device === 'scanner') this.scanner = { id: event.id, state: event.state };
        if (event.device === 'gate') this.gate = { id: event.id, state: event.state };
        break;
      case 'connectivity':
        this.online = event.online;
        break;
      case 'verdict':
        if (event.source === 'online') this.online = true;
        break;
      case 'uploaded':
        this.online = true;
        break;
      case 'trust-list':
        this.trustList = { size: event.size, syncedAt: event.syncedAt };
        break;
      default:
        break;
    }
  }

  snapshot(base: Omit<KioskStatus, 'scanner' | 'gate' | 'isOnline'> & { isOnline?: boolean }): KioskStatus {
    return { ...base, isOnline: base.isOnline ?? this.online, scanner: { ...this.scanner }, gate: { ...this.gate }, ...(this.trustList ? { trustList: { ...this.trustList } } : {}) };
  }
}

import type { KioskApi } from '../common/ipc/contract.ts';

declare global {
  interface Window {
    /** Provided by the Electron preload, or by the browser bridge in browser mode. */
    kiosk?: KioskApi;
  }
}

/**
 * IPC channel names exist only here; all share the `kiosk:` prefix the main process checks.
 * Kept free of imports so the sandboxed preload bundle stays tiny.
 */
export const CHANNEL_PREFIX = 'kiosk:';

export const CHANNELS = {
  getStatus: 'kiosk:status:get',
  submitScan: 'kiosk:scan:submit',
  heartbeat: 'kiosk:health:heartbeat',
  technician: 'kiosk:technician:request',
  event: 'kiosk:event:push',
} as const;

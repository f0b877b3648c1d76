/**
 * USB ids of the output devices the drivers speak to, in one place: the adapters that drive them
 * and device discovery (drivers/scanners) both need them, and adapters do not import each other.
 * Scanners' ids are in drivers/scanners/known-scanners.ts.
 */

/** dcttech "USBRelayN" boards (V-USB), docs/hardware.md §2.2. */
export const DCTTECH_VID = 0x16c0;
export const DCTTECH_PID = 0x05df;

/** ThingM blink(1) USB status lamp, docs/hardware.md §2.4. */
export const BLINK1_VID = 0x27b8;
export const BLINK1_PID = 0x01ed;

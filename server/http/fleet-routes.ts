import type { FastifyInstance } from 'fastify';
import { KioskError } from '../../common/errors.ts';
import { heartbeatRequestSchema, MAX_HEARTBEAT_BYTES, type HeartbeatResponse } from '../../common/wire.ts';
import { adminUnits } from '../services/admin-units.ts';
import { checkHeartbeat, DEFAULT_HEARTBEAT_INTERVAL_MS, fleetView, silentAfterMsOf } from '../services/fleet.ts';
import type { Device } from '../store/store.ts';
import type { RouteContext } from './context.ts';

/** Fleet health (issue 14): kiosks' signed heartbeats in, the ICT department's fleet view out. */
export function fleetRoutes(app: FastifyInstance, { store, now, bodyOf, signed, authorize }: RouteContext): void {
  app.post('/v1/heartbeat', { preHandler: signed, bodyLimit: MAX_HEARTBEAT_BYTES }, async (req) => {
    // A heartbeat is under 1 KiB: compression would only let a small body inflate past the cap.
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') throw new KioskError('unsupported-media-type', 'send heartbeats uncompressed');
    const body = bodyOf(req, heartbeatRequestSchema);
    const device = req.device as Device;
    const receivedAt = now();
    checkHeartbeat(device, body, receivedAt);
    await store.deployment.recordHeartbeat(device.id, receivedAt, body);
    const answer: HeartbeatResponse = { receivedAt, nextInMs: DEFAULT_HEARTBEAT_INTERVAL_MS };
    return answer;
  });

  app.get('/v1/fleet', async (req) => {
    await authorize(req, 'fleet.read');
    const q = req.query as Record<string, string | undefined>;
    const silentAfterMs = silentAfterMsOf(q.silentHours);
    const province = q.province === undefined ? undefined : adminUnits().province(q.province).code;
    const t = now();
    return { at: t, silentAfterMs, kiosks: fleetView(await store.deployment.fleet(province === undefined ? {} : { provinceCode: province }), t, silentAfterMs) };
  });
}

import type { HeartbeatRequest, VenueKind } from '../../common/wire.ts';
import type { VenueLocation } from '../services/admin-units.ts';

/**
 * What the ICT department's views need from a store (issue 14): where venues are, kiosks'
 * heartbeats, and the raw figures of the monthly deployment report. Rules (what counts as silent,
 * how rows are shaped, the register of administrative units) live in services/deployment.ts and
 * services/fleet.ts; each engine implements only the queries (store/sqlite/deployment.ts,
 * store/postgres/deployment.ts).
 */
export interface DeploymentStore {
  /** Places a venue; the caller has checked the codes against the register. not-found for an unknown venue. */
  setVenueLocation(venueId: string, location: VenueLocation): Promise<void>;
  /** Every venue with its location (null: "chưa có địa bàn"), optionally one province's only. */
  venues(filter?: { provinceCode?: string }): Promise<LocatedVenue[]>;

  /** Stores a heartbeat as the device's latest and in its compact history. */
  recordHeartbeat(deviceId: string, receivedAt: number, heartbeat: HeartbeatRequest): Promise<void>;
  /** Every enrolled device (revoked ones included, marked) with its venue, last heartbeat and last upload. */
  fleet(filter?: { provinceCode?: string }): Promise<FleetDevice[]>;
  /** One device's recent heartbeats, newest first. */
  heartbeatHistory(deviceId: string, limit: number): Promise<HeartbeatPoint[]>;
  /** Drops history older than `beforeMs` (the latest heartbeat of each device stays). */
  pruneHeartbeats(beforeMs: number): Promise<number>;

  /** The raw figures of one province's month (Vietnam time range given in ms). */
  deploymentFigures(query: DeploymentQuery): Promise<DeploymentFigures>;
}

export interface LocatedVenue {
  id: string;
  name: string;
  kind: VenueKind;
  location: VenueLocation | null;
}

export interface FleetDevice {
  deviceId: string;
  name: string | null;
  venueId: string;
  venueName: string;
  location: VenueLocation | null;
  enrolledAt: number;
  revokedAt: number | null;
  /** Last batch received from the device. */
  lastUploadAt: number | null;
  lastHeartbeat: (HeartbeatRequest & { receivedAt: number }) | null;
}

export interface HeartbeatPoint {
  receivedAt: number;
  pending: number;
  oldestPendingAgeMs: number | null;
  freeDiskMiB: number | null;
  clockOffsetMs: number;
}

export interface DeploymentQuery {
  provinceCode: string;
  districtCode?: string;
  fromMs: number;
  toMs: number;
}

export interface DeploymentFigures {
  /** The province's located venues (of the district, when given). */
  venues: Array<{ venueId: string; kind: VenueKind; communeCode: string; districtCode: string }>;
  /** Venues with at least one device that delivered a batch in the range. */
  uploadedVenueIds: string[];
  /** Entries (people coming in) per commune and Vietnam day. */
  entriesPerDay: Array<{ communeCode: string; date: string; entries: number }>;
  /** The province's devices: enrolled before the range ended, with their last contact before it ended. */
  devices: Array<{
    deviceId: string;
    venueId: string;
    communeCode: string;
    enrolledAt: number;
    revokedAt: number | null;
    /** Latest batch or heartbeat received before the range ended. */
    lastContactAt: number | null;
    /** The largest age of the oldest un-uploaded entry the device reported in the range. */
    maxBacklogAgeMs: number | null;
  }>;
  /** Venues anywhere without a location: they cannot be counted in any province. */
  unlocatedVenues: number;
}

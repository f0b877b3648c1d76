/**
 * Who may do what: one table of role → allowed actions, read by every route (through
 * RouteContext.authorize) and by the web console to hide what a role cannot do. Pure data, no
 * imports, so any bundle can include it.
 */

export const ROLES = ['health', 'ict', 'venue', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
  /** Contacts of a case (GET /v1/trace). */
  'trace',
  /** Outbreak venues for a list of cases (POST /v1/exposure). */
  'exposure',
  /** Raw entries (GET /v1/entries): an export, audited. */
  'entries.read',
  /** How many entries the server holds; no personal data. */
  'entries.count',
  /** The audit of trace, exposure and export queries. */
  'audit.read',
  /** The ICT department's deployment report (issue 14). */
  'deployment.report',
  /** Kiosk heartbeats and silent kiosks (issue 14). */
  'fleet.read',
  /** A venue's monthly or daily report; a venue token only for its own venue. */
  'venue.report',
  /** A venue's entries as a file; a venue token only for its own venue. */
  'venue.export',
  /** Create venues and issue enrollment codes. */
  'venues.manage',
  /** Device gaps, decommissioning. */
  'devices.manage',
  /** Publish the EU DCC trust list. */
  'trust-list.manage',
] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * The operator keeps `entries.read`, `venue.report` and `venue.export` because integrations and the load generator
 * of issue 12 check what the server holds through the admin token; sealed subjects (docs/tracing.md)
 * are what keep identities from the operator, not this table.
 */
export const ROLE_ACTIONS: Readonly<Record<Role, readonly Action[]>> = {
  health: ['trace', 'exposure', 'entries.read', 'entries.count', 'audit.read', 'venue.report', 'venue.export'],
  ict: ['deployment.report', 'fleet.read', 'entries.count', 'venue.report'],
  venue: ['venue.report', 'venue.export'],
  operator: ['venues.manage', 'devices.manage', 'trust-list.manage', 'entries.read', 'entries.count', 'venue.report', 'venue.export', 'fleet.read'],
};

/** Actions whose answer is about one venue: a `venue` token may use them for its own venue only. */
export const VENUE_SCOPED_ACTIONS: readonly Action[] = ['venue.report', 'venue.export'];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, action: Action): boolean {
  return ROLE_ACTIONS[role].includes(action);
}

/** The roles allowed an action, for error messages ("ask for a health token"). */
export function rolesFor(action: Action): Role[] {
  return ROLES.filter((r) => can(r, action));
}

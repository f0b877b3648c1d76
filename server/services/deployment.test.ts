import { describe, expect, it } from 'vitest';
import type { DeploymentFigures } from '../store/deployment.ts';
import { checkDeploymentRequest, deploymentCsv, isSilent, shapeDeploymentReport } from './deployment.ts';

const NOW = Date.UTC(2021, 10, 15); // 15 November 2021
const H = 3600_000;

describe('checkDeploymentRequest', () => {
  it('refuses a malformed month, naming the field', () => {
    expect(() => checkDeploymentRequest({ province: '46', month: '2021-13' }, NOW)).toThrow(/^month: must be YYYY-MM/);
    expect(() => checkDeploymentRequest({ province: '46', month: 'october' }, NOW)).toThrow(/^month: must be YYYY-MM/);
  });

  it('refuses a month that has not started', () => {
    expect(() => checkDeploymentRequest({ province: '46', month: '2021-12' }, NOW)).toThrow(/^month: 2021-12 has not started yet/);
  });

  it('refuses an unknown province and a district of another province', () => {
    expect(() => checkDeploymentRequest({ province: '99', month: '2021-10' }, NOW)).toThrow(/^province: province code 99 does not exist/);
    expect(() => checkDeploymentRequest({ province: '46', month: '2021-10', district: '001' }, NOW)).toThrow(/^district: district 001 .* not 46/);
  });
});

describe('isSilent', () => {
  const at = NOW;
  it('counts a kiosk quiet for more than 24 h', () => {
    expect(isSilent({ enrolledAt: 0, revokedAt: null, lastContactAt: at - 25 * H }, at)).toBe(true);
    expect(isSilent({ enrolledAt: 0, revokedAt: null, lastContactAt: at - 23 * H }, at)).toBe(false);
  });
  it('does not count a decommissioned kiosk, nor one enrolled less than a day ago', () => {
    expect(isSilent({ enrolledAt: 0, revokedAt: at - H, lastContactAt: null }, at)).toBe(false);
    expect(isSilent({ enrolledAt: at - H, revokedAt: null, lastContactAt: null }, at)).toBe(false);
  });
});

describe('shapeDeploymentReport', () => {
  const checked = checkDeploymentRequest({ province: '46', month: '2021-10', district: '474' }, NOW);
  const end = checked.range.toMs;
  const figures: DeploymentFigures = {
    venues: [
      { venueId: 'v1', kind: 'market', communeCode: '19744', districtCode: '474' },
      { venueId: 'v2', kind: 'hospital', communeCode: '19744', districtCode: '474' },
      { venueId: 'v3', kind: 'school', communeCode: '19747', districtCode: '474' },
    ],
    uploadedVenueIds: ['v1'],
    entriesPerDay: [
      { communeCode: '19744', date: '2021-10-01', entries: 3 },
      { communeCode: '19744', date: '2021-10-31', entries: 2 },
      { communeCode: '19747', date: '2021-10-02', entries: 1 },
    ],
    devices: [
      { deviceId: 'k1', venueId: 'v1', communeCode: '19744', enrolledAt: 0, revokedAt: null, lastContactAt: end - H, maxBacklogAgeMs: 2 * H },
      { deviceId: 'k2', venueId: 'v2', communeCode: '19744', enrolledAt: 0, revokedAt: null, lastContactAt: end - 48 * H, maxBacklogAgeMs: null },
    ],
    unlocatedVenues: 4,
  };
  const r = shapeDeploymentReport(checked, '2021-10', figures, NOW);

  it('gives one row per commune of the district, with or without venues', () => {
    expect(r.communes.length).toBe(27);
    expect(r.days.length).toBe(31);
    const c = r.communes.find((x) => x.communeCode === '19744');
    expect(c).toMatchObject({ communeName: 'Phường Phú Thuận', venues: 2, venuesUploaded: 1, kiosks: 2, silentKiosks: 1, entries: 5, oldestBacklogMs: 2 * H });
    expect(c?.venuesByKind).toMatchObject({ market: 1, hospital: 1, school: 0 });
    expect(c?.entriesPerDay[0]).toBe(3);
    expect(c?.entriesPerDay[30]).toBe(2);
  });

  it('gives the share of communes without any venue', () => {
    expect(r.totals).toMatchObject({ communes: 27, communesWithoutVenue: 25, venues: 3, entries: 6, silentKiosks: 1 });
    expect(r.totals.shareWithoutVenue).toBeCloseTo(25 / 27, 4);
    expect(r.districts).toHaveLength(1);
    expect(r.unlocatedVenues).toBe(4);
  });

  it('writes a CSV with a BOM, Vietnamese headers and one row per commune plus a total', () => {
    const csv = deploymentCsv(r);
    expect(csv.startsWith('\uFEFFMã quận/huyện,Quận/huyện,Mã xã/phường,Xã/phường/thị trấn,Số địa điểm đăng ký')).toBe(true);
    const lines = csv.trim().split('\n');
    expect(lines).toHaveLength(1 + 27 + 1);
    expect(lines[1]).toMatch(/^474,Thành phố Huế,19744,Phường Phú Thuận,2,/);
    expect(lines.at(-1)).toMatch(/25\/27 xã chưa có địa điểm \(92\.6%\)/);
  });
});

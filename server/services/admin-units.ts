import { readFileSync } from 'node:fs';
import { KioskError } from '../../common/errors.ts';

/**
 * Vietnam's register of administrative units as of 1 July 2021 (server/data/README.md: source and
 * licence). It is static national data, identical for every database, so the server holds it in
 * memory instead of copying it into each store; venues keep only their codes.
 */
export interface Province {
  code: string;
  name: string;
  type: string;
}

export interface District extends Province {
  provinceCode: string;
}

export interface Commune extends Province {
  districtCode: string;
  provinceCode: string;
}

/** Where a venue is: the three codes, always consistent with the register. */
export interface VenueLocation {
  provinceCode: string;
  districtCode: string;
  communeCode: string;
}

export class AdminUnits {
  readonly provinces = new Map<string, Province>();
  readonly districts = new Map<string, District>();
  readonly communes = new Map<string, Commune>();

  /** Parses the register's CSV (no quoted fields: the file has none, and a quote is refused). */
  static parse(csv: string): AdminUnits {
    const units = new AdminUnits();
    const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
    const header = lines[0]?.split(',');
    if (header?.[0] !== 'province_code' || header[6] !== 'commune_code') throw new KioskError('internal', 'the admin-unit register has an unexpected header');
    for (const [i, line] of lines.slice(1).entries()) {
      if (line === '') continue;
      const f = line.split(',');
      if (f.length !== 9 || line.includes('"')) throw new KioskError('internal', `the admin-unit register is malformed at line ${i + 2}`);
      const [pCode, pName, pType, dCode, dName, dType, cCode, cName, cType] = f as [string, string, string, string, string, string, string, string, string];
      if (!units.provinces.has(pCode)) units.provinces.set(pCode, { code: pCode, name: pName, type: pType });
      if (!units.districts.has(dCode)) units.districts.set(dCode, { code: dCode, name: dName, type: dType, provinceCode: pCode });
      // Island districts without communes have empty commune columns.
      if (cCode !== '') units.communes.set(cCode, { code: cCode, name: cName, type: cType, districtCode: dCode, provinceCode: pCode });
    }
    return units;
  }

  /** Communes of a province (optionally one district), in register order. */
  communesOf(provinceCode: string, districtCode?: string): Commune[] {
    return [...this.communes.values()].filter((c) => c.provinceCode === provinceCode && (districtCode === undefined || c.districtCode === districtCode));
  }

  districtsOf(provinceCode: string): District[] {
    return [...this.districts.values()].filter((d) => d.provinceCode === provinceCode);
  }

  /**
   * The full location of a commune, checked against whatever district and province the caller also
   * gave. Errors name the field an official has to correct.
   */
  locate(given: { commune: string; district?: string; province?: string }): VenueLocation {
    const commune = this.communes.get(normaliseCode(given.commune, 5, 'commune'));
    if (!commune) throw fieldError('commune', `commune code ${given.commune} does not exist in the register of 1 July 2021`);
    if (given.district !== undefined) {
      const district = normaliseCode(given.district, 3, 'district');
      if (!this.districts.has(district)) throw fieldError('district', `district code ${given.district} does not exist in the register of 1 July 2021`);
      if (district !== commune.districtCode) {
        throw fieldError('district', `commune ${commune.code} (${commune.name}) belongs to district ${commune.districtCode}, not ${district}`);
      }
    }
    if (given.province !== undefined) {
      const province = normaliseCode(given.province, 2, 'province');
      if (!this.provinces.has(province)) throw fieldError('province', `province code ${given.province} does not exist in the register of 1 July 2021`);
      if (province !== commune.provinceCode) {
        throw fieldError('province', `commune ${commune.code} (${commune.name}) belongs to province ${commune.provinceCode}, not ${province}`);
      }
    }
    return { provinceCode: commune.provinceCode, districtCode: commune.districtCode, communeCode: commune.code };
  }

  province(code: string): Province {
    const p = this.provinces.get(normaliseCode(code, 2, 'province'));
    if (!p) throw fieldError('province', `province code ${code} does not exist in the register of 1 July 2021`);
    return p;
  }

  district(code: string, provinceCode: string): District {
    const d = this.districts.get(normaliseCode(code, 3, 'district'));
    if (!d) throw fieldError('district', `district code ${code} does not exist in the register of 1 July 2021`);
    if (d.provinceCode !== provinceCode) throw fieldError('district', `district ${d.code} (${d.name}) belongs to province ${d.provinceCode}, not ${provinceCode}`);
    return d;
  }
}

/**
 * Codes are digits of a fixed width; officials often drop the leading zeros ("1" for Hà Nội), so
 * shorter digit strings are padded. Anything else is refused before it reaches a query.
 */
export function normaliseCode(code: string, width: number, field: string): string {
  if (!/^\d{1,5}$/.test(code) || code.length > width) throw fieldError(field, `${field} must be a code of at most ${width} digits, got "${code.slice(0, 40)}"`);
  return code.padStart(width, '0');
}

function fieldError(field: string, message: string): KioskError {
  return new KioskError('bad-request', `${field}: ${message}`, { details: { field } });
}

let register: AdminUnits | undefined;

/** The register bundled with the server, parsed once per process. */
export function adminUnits(): AdminUnits {
  register ??= AdminUnits.parse(readFileSync(new URL('../data/vn-admin-units-2021.csv', import.meta.url), 'utf8'));
  return register;
}

/** What a report prints for a venue placed nowhere yet. */
export const NO_LOCATION_VI = 'chưa có địa bàn';

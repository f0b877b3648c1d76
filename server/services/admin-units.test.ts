import { describe, expect, it } from 'vitest';
import { adminUnits } from './admin-units.ts';

describe('the register of administrative units (1 July 2021)', () => {
  const units = adminUnits();

  it('holds 63 provinces, 705 districts and 10,603 communes', () => {
    expect([units.provinces.size, units.districts.size, units.communes.size]).toEqual([63, 705, 10_603]);
  });

  it('places a commune in its district and province', () => {
    expect(units.locate({ commune: '19744' })).toEqual({ provinceCode: '46', districtCode: '474', communeCode: '19744' });
    expect(units.locate({ commune: '19744', district: '474', province: '46' }).communeCode).toBe('19744');
  });

  it('refuses a commune that does not exist, naming the field', () => {
    expect(() => units.locate({ commune: '99999' })).toThrow(/^commune: commune code 99999 does not exist/);
    expect(() => units.locate({ commune: "1' OR 1=1" })).toThrow(/^commune: commune must be a code/);
  });

  it('refuses codes that do not belong together, naming the field', () => {
    // 00001 is Phường Phúc Xá, Ba Đình (001), Hà Nội (01).
    expect(() => units.locate({ commune: '00001', district: '474' })).toThrow(/^district: commune 00001 \(Phường Phúc Xá\) belongs to district 001, not 474/);
    expect(() => units.locate({ commune: '00001', province: '46' })).toThrow(/^province: .* belongs to province 01, not 46/);
    expect(() => units.district('001', '46')).toThrow(/^district: district 001 .* belongs to province 01, not 46/);
  });

  it('pads codes given without their leading zeros', () => {
    expect(units.province('1').name).toBe('Thành phố Hà Nội');
    expect(units.locate({ commune: '1' }).districtCode).toBe('001');
  });

  it('keeps island districts without communes', () => {
    expect(units.districts.get('498')?.name).toBe('Huyện Hoàng Sa');
    expect(units.communesOf('48', '498')).toEqual([]);
  });
});

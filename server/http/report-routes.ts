import type { FastifyInstance } from 'fastify';
import { KioskError } from '../../common/errors.ts';
import { adminUnits } from '../services/admin-units.ts';
import { deploymentCsv, deploymentReport } from '../services/deployment.ts';
import type { RouteContext } from './context.ts';

/** The ICT department's monthly deployment report (issue 14), as JSON or as the CSV officials paste. */
export function reportRoutes(app: FastifyInstance, { store, now, authorize }: RouteContext): void {
  // The public register of 1 July 2021: provinces, or one province's districts. No personal data, no role.
  app.get('/v1/admin-units', async (req) => {
    const { province } = req.query as { province?: unknown };
    const units = adminUnits();
    if (province === undefined) return { units: [...units.provinces.values()].map((p) => ({ code: p.code, name: p.name })) };
    if (typeof province !== 'string') throw new KioskError('bad-request', 'province: give it once', { details: { field: 'province' } });
    return { units: units.districtsOf(units.province(province).code).map((d) => ({ code: d.code, name: d.name })) };
  });

  app.get('/v1/reports/deployment', async (req, reply) => {
    await authorize(req, 'deployment.report');
    const q = req.query as Record<string, string | string[] | undefined>;
    const one = (field: string): string | undefined => {
      const v = q[field];
      if (Array.isArray(v)) throw new KioskError('bad-request', `${field}: give it once`, { details: { field } });
      if (v !== undefined && v.length > 40) throw new KioskError('bad-request', `${field}: too long`, { details: { field } });
      return v;
    };
    const province = one('province');
    const month = one('month');
    const district = one('district');
    const format = one('format') ?? 'json';
    if (province === undefined) throw new KioskError('bad-request', 'province: give the province code (e.g. 46)', { details: { field: 'province' } });
    if (month === undefined) throw new KioskError('bad-request', 'month: give the month as YYYY-MM', { details: { field: 'month' } });
    if (format !== 'json' && format !== 'csv') throw new KioskError('bad-request', 'format: json or csv', { details: { field: 'format' } });
    const report = await deploymentReport(store.deployment, { province, month, ...(district === undefined ? {} : { district }) }, now());
    if (format === 'json') return report;
    const name = `bao-cao-trien-khai-${report.province.code}${report.district ? `-${report.district.code}` : ''}-${report.month}.csv`;
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(deploymentCsv(report));
  });
}

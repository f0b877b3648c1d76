import { decommission } from '../../core/provision/decommission.ts';
import { fail, printJson } from './output.ts';

export async function decommissionCommand(o: { config: string; force?: boolean; timeout: number; json?: boolean }): Promise<void> {
  try {
    const r = await decommission({ configPath: o.config, isForced: o.force === true, uploadTimeoutMs: o.timeout * 1000 });
    if (o.json) {
      printJson(r);
      return;
    }
    process.stdout.write(
      `device ${r.deviceId} decommissioned${r.isRevoked ? ' and revoked at the server' : ' (NOT revoked at the server: ask an administrator to revoke it)'}\n` +
        `  uploaded first: ${r.uploaded}; lost: ${r.lostEntries}\n  wiped: ${r.wiped.join(', ') || 'nothing'}\n` +
        `  ${r.configPath} keeps devices and settings; provision it again with \`kiosk provision\`\n`,
    );
  } catch (err) {
    fail(err);
  }
}

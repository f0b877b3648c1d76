import { provision } from '../../core/provision/provision.ts';
import { fail, printJson } from './output.ts';

export async function provisionCommand(options: { server: string; code: string; config: string; name?: string; force?: boolean; json?: boolean }): Promise<void> {
  try {
    const result = await provision({
      serverUrl: options.server,
      code: options.code,
      configPath: options.config,
      ...(options.name ? { name: options.name } : {}),
      isForced: options.force === true,
    });
    if (options.json) {
      printJson(result);
      return;
    }
    process.stdout.write(
      `provisioned device ${result.deviceId} for venue "${result.venue.name}" (${result.venueId})\n` +
        `  config: ${result.configPath}\n  key:    ${result.keyFile} (mode 600)\n` +
        (result.isNewConfig ? '  new config written with scanner "stdin" and gate "fake": set your devices, then `kiosk config check`\n' : ''),
    );
  } catch (err) {
    fail(err);
  }
}

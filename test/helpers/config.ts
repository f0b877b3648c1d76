import { configSchema } from '../../common/config.ts';

export function uploadConfigDefaults() {
  return configSchema.shape.upload.parse({});
}

import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => {
  const { fakeElectron: fake, makeRecorded: make } = await import('./fake-electron.test-helper.ts');
  return fake(make());
});
const { bundlePath } = await import('./protocol.ts');

describe('bundlePath', () => {
  const root = '/opt/kiosk/renderer';
  it('maps app URLs into the bundle', () => {
    expect(bundlePath(root, 'app://kiosk/guard/index.html')).toBe('/opt/kiosk/renderer/guard/index.html');
    expect(bundlePath(root, 'app://kiosk/')).toBe('/opt/kiosk/renderer/guard/index.html');
  });

  it.each(['app://kiosk/../../etc/passwd', 'app://kiosk/%2e%2e/%2e%2e/etc/passwd', 'app://kiosk/guard/..%2f..%2f..%2fetc/passwd', 'app://kiosk/%2fetc%2fpasswd'])(
    'never resolves %s outside the bundle',
    (url) => {
      const path = bundlePath(root, url);
      expect(path === undefined || path.startsWith(`${root}/`), String(path)).toBe(true);
    },
  );

  it.each(['app://other/guard/index.html', 'file:///etc/passwd', 'not a url'])('refuses %s', (url) => {
    expect(bundlePath(root, url)).toBeUndefined();
  });
});

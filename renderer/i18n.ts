/**
 * Every string the guard and technician screens show, in one catalogue. Vietnamese is the default;
 * English for foreign staff and tests. Reason codes map to one short line each.
 */
export type Locale = 'vi' | 'en';

const STRINGS = {
  idle: { vi: 'Mời quét mã QR', en: 'Please scan your QR code' },
  idleHint: { vi: 'Đưa mã QR (PC-COVID, CCCD, BHYT, chứng nhận tiêm) vào máy quét', en: 'Hold your QR code (PC-COVID, ID card, insurance card, vaccination certificate) to the scanner' },
  allow: { vi: 'MỜI VÀO', en: 'PLEASE ENTER' },
  allowOut: { vi: 'ĐÃ GHI NHẬN RA', en: 'EXIT RECORDED' },
  deny: { vi: 'KHÔNG ĐƯỢC VÀO', en: 'ENTRY REFUSED' },
  warn: { vi: 'CẦN KIỂM TRA', en: 'CHECK REQUIRED' },
  directionIn: { vi: 'VÀO', en: 'IN' },
  directionOut: { vi: 'RA', en: 'OUT' },
  online: { vi: 'Trực tuyến', en: 'Online' },
  offline: { vi: 'Ngoại tuyến', en: 'Offline' },
  pending: { vi: 'Chờ gửi', en: 'Pending upload' },
  scanner: { vi: 'Máy quét', en: 'Scanner' },
  gate: { vi: 'Cổng', en: 'Gate' },
  connected: { vi: 'đã kết nối', en: 'connected' },
  disconnected: { vi: 'mất kết nối', en: 'disconnected' },
  waiting: { vi: 'đang chờ', en: 'waiting' },
  starting: { vi: 'Đang khởi động…', en: 'Starting…' },
  dataAge: { vi: 'dữ liệu cũ {age}', en: 'data {age} old' },
  keysAge: { vi: 'Khóa chứng nhận: {age}', en: 'Certificate keys {age} old' },
  keysNone: { vi: 'Chưa có khóa chứng nhận', en: 'No certificate keys yet' },
  riskAge: { vi: 'Danh sách nguy cơ: {age}', en: 'Risk list {age} old' },
  pendingOldest: { vi: 'Chờ gửi: {n} (cũ nhất {age})', en: 'Pending upload: {n} (oldest {age})' },
  camera: { vi: 'Camera', en: 'Camera' },
  on: { vi: 'đang chạy', en: 'on' },
  off: { vi: 'tắt', en: 'off' },
  cameraMissing: { vi: 'Không tìm thấy camera: dùng máy quét', en: 'No camera found: use the scanner' },
  cameraDenied: { vi: 'Camera bị từ chối quyền truy cập: dùng máy quét, báo kỹ thuật viên', en: 'Camera access refused: use the scanner and tell a technician' },
  cameraUnplugged: { vi: 'Camera bị rút ra: dùng máy quét', en: 'Camera unplugged: use the scanner' },
  cameraFailed: { vi: 'Camera lỗi: dùng máy quét', en: 'Camera failed: use the scanner' },
  cameraAim: { vi: 'Đưa mã QR vào khung', en: 'Hold the QR code inside the frame' },
  cameraTwoCodes: { vi: 'Có hai mã QR: mỗi lần một người', en: 'Two QR codes in view: one person at a time' },
  techCameraRead: { vi: 'Camera: mã gần nhất', en: 'Camera: last code' },
  techCameraConflicts: { vi: 'khung có hai mã', en: 'frames with two codes' },
  status: { vi: 'Trạng thái', en: 'Status' },
  statusGreen: { vi: 'xanh', en: 'green' },
  statusYellow: { vi: 'vàng', en: 'yellow' },
  statusRed: { vi: 'đỏ', en: 'red' },
  statusUnknown: { vi: 'chưa rõ', en: 'unknown' },
  techTitle: { vi: 'Màn hình kỹ thuật viên', en: 'Technician screen' },
  techPin: { vi: 'Nhập mã PIN', en: 'Enter the PIN' },
  techUnlock: { vi: 'Mở', en: 'Unlock' },
  techClose: { vi: 'Đóng', en: 'Close' },
  techRefresh: { vi: 'Làm mới', en: 'Refresh' },
  techGateTest: { vi: 'Thử cổng', en: 'Click the gate' },
  techScreenTest: { vi: 'Thử màn hình và âm thanh', en: 'Test screen and sounds' },
  techDevice: { vi: 'Thiết bị', en: 'Device' },
  techVenue: { vi: 'Địa điểm', en: 'Venue' },
  techNotProvisioned: { vi: 'chưa đăng ký', en: 'not provisioned' },
  techLog: { vi: 'Sự kiện gần đây', en: 'Recent events' },
  // On a refusal the direction is where the kiosk stands, not an order: a small label.
  directionLabelIn: { vi: 'Cổng vào', en: 'Entrance' },
  directionLabelOut: { vi: 'Cổng ra', en: 'Exit' },
  techColTime: { vi: 'Thời gian', en: 'Time' },
  techColFormat: { vi: 'Loại mã', en: 'Format' },
  techColVerdict: { vi: 'Kết quả', en: 'Verdict' },
  techColReason: { vi: 'Lý do', en: 'Reason' },
  techColSource: { vi: 'Nguồn', en: 'Source' },
  techColLatency: { vi: 'Độ trễ', en: 'Latency' },
  techRaw: { vi: 'Xem dữ liệu gốc (JSON)', en: 'Show raw events (JSON)' },
  verdictAllow: { vi: 'cho vào', en: 'allowed' },
  verdictDeny: { vi: 'từ chối', en: 'refused' },
  verdictWarn: { vi: 'cần kiểm tra', en: 'check' },
  sourceOnline: { vi: 'máy chủ', en: 'server' },
  sourceCache: { vi: 'bộ nhớ đệm', en: 'cache' },
  sourceRiskList: { vi: 'danh sách nguy cơ', en: 'risk list' },
  sourceOffline: { vi: 'quy tắc ngoại tuyến', en: 'offline rule' },
  sourceCredential: { vi: 'chứng nhận', en: 'certificate' },
  sourceNone: { vi: '—', en: '—' },
} as const satisfies Record<string, Record<Locale, string>>;

export type StringKey = keyof typeof STRINGS;

const REASONS: Record<string, Record<Locale, string>> = {
  'status-green': { vi: 'Đã khai báo y tế, trạng thái xanh', en: 'Health declaration on file, status green' },
  'status-yellow': { vi: 'Trạng thái vàng: cần kiểm tra thêm', en: 'Status yellow: further check needed' },
  'status-red': { vi: 'Trạng thái đỏ: không được vào', en: 'Status red: entry not allowed' },
  'status-unknown': { vi: 'Chưa có khai báo y tế', en: 'No health declaration on file' },
  'declaration-missing': { vi: 'Chưa khai báo y tế', en: 'Health declaration missing' },
  'declaration-stale': { vi: 'Khai báo y tế đã quá hạn', en: 'Health declaration out of date' },
  'flag-f0': { vi: 'Ca bệnh (F0)', en: 'Confirmed case (F0)' },
  'flag-f1': { vi: 'Tiếp xúc gần (F1)', en: 'Close contact (F1)' },
  'risk-list': { vi: 'Có trong danh sách nguy cơ', en: 'On the risk list' },
  offline: { vi: 'Mất kết nối máy chủ: áp dụng quy tắc ngoại tuyến', en: 'Server unreachable: offline rule applied' },
  'offline-allow': { vi: 'Cho vào theo quy tắc ngoại tuyến', en: 'Allowed by the offline rule' },
  'offline-warn': { vi: 'Bảo vệ kiểm tra theo quy tắc ngoại tuyến', en: 'Guard checks by the offline rule' },
  'offline-deny': { vi: 'Từ chối theo quy tắc ngoại tuyến', en: 'Refused by the offline rule' },
  unreadable: { vi: 'Không đọc được mã QR, vui lòng quét lại', en: 'QR code unreadable, please scan again' },
  'unknown-format': { vi: 'Mã QR không phải loại được chấp nhận', en: 'This QR code is not an accepted kind' },
  'venue-qr': { vi: 'Đây là mã QR của địa điểm, hãy quét mã cá nhân', en: "That is the venue's QR code: show your personal one" },
  'anti-passback': { vi: 'Mã này vừa được dùng để vào', en: 'This code was just used to enter' },
  'scanner-mode-ascii': { vi: 'Máy quét đang ở chế độ bàn phím: gọi kỹ thuật viên', en: 'Scanner in keyboard mode: call a technician' },
  timeout: { vi: 'Mã QR bị cắt ngang, vui lòng quét lại', en: 'QR code cut off, please scan again' },
  'exit-recorded': { vi: 'Đã ghi nhận ra', en: 'Exit recorded' },
  'no-requirement': { vi: 'Không yêu cầu kiểm tra', en: 'No check required' },
  'certificate-required': { vi: 'Cần chứng nhận tiêm chủng', en: 'Vaccination certificate required' },
  'signature-invalid': { vi: 'Chữ ký chứng nhận không hợp lệ', en: 'Certificate signature invalid' },
  'signature-unknown-key': { vi: 'Không nhận ra nơi cấp chứng nhận', en: 'Certificate issuer not recognised' },
  'certificate-expired': { vi: 'Khóa ký của chứng nhận đã hết hạn', en: "Certificate's signing key expired" },
  'certificate-chain': { vi: 'Nơi ký chứng nhận không được tin cậy', en: 'Certificate signer not trusted' },
  'dcc-expired': { vi: 'Chứng nhận đã hết hạn', en: 'Certificate expired' },
  'dcc-not-yet-valid': { vi: 'Chứng nhận chưa có hiệu lực', en: 'Certificate not yet valid' },
  'key-usage': { vi: 'Khóa ký không được phép cho loại chứng nhận này', en: 'Signing key not allowed for this certificate type' },
  'schema-invalid': { vi: 'Nội dung chứng nhận không hợp lệ', en: 'Certificate content invalid' },
  'value-set-unknown': { vi: 'Chứng nhận ghi mã không có trong danh mục EU', en: 'Certificate uses a code not in the EU lists' },
  'signed-outside-key-validity': { vi: 'Chứng nhận được ký ngoài thời hạn của khóa ký', en: 'Certificate signed outside its signing key’s validity' },
  'vaccination-valid': { vi: 'Chứng nhận tiêm chủng hợp lệ', en: 'Valid vaccination certificate' },
  'test-valid': { vi: 'Xét nghiệm âm tính hợp lệ', en: 'Valid negative test' },
  'recovery-valid': { vi: 'Chứng nhận khỏi bệnh hợp lệ', en: 'Valid recovery certificate' },
  'vaccination-incomplete': { vi: 'Chưa tiêm đủ liều', en: 'Vaccination not complete' },
  'test-positive': { vi: 'Xét nghiệm dương tính: không được vào', en: 'Positive test: entry not allowed' },
  'test-too-old': { vi: 'Kết quả xét nghiệm đã quá 72 giờ', en: 'Test result older than 72 hours' },
  'storage-degraded': { vi: 'Lỗi lưu trữ: báo kỹ thuật viên', en: 'Storage error: tell a technician' },
};

export function t(key: StringKey, locale: Locale, vars: Record<string, string> = {}): string {
  return STRINGS[key][locale].replace(/\{(\w+)\}/g, (_, name: string) => vars[name] ?? '');
}

/** Reasons for the technician: shown only when nothing else explains the verdict. */
const TECHNICAL = new Set(['scanner-mode-ascii', 'storage-degraded']);

/** The one line the guard reads: the most specific reason first. */
export function reasonLine(reasons: readonly string[], locale: Locale): string {
  const priority = ['flag-f0', 'flag-f1', 'risk-list', 'status-red', 'venue-qr', 'timeout', 'unreadable'];
  const first =
    priority.find((r) => reasons.includes(r)) ?? reasons.find((r) => r in REASONS && !TECHNICAL.has(r)) ?? reasons.find((r) => r in REASONS) ?? reasons[0];
  if (first === undefined) return '';
  return REASONS[first]?.[locale] ?? first;
}

export function knownReasons(): string[] {
  return Object.keys(REASONS);
}

export function formatAge(ms: number, locale: Locale): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return locale === 'vi' ? 'dưới 1 phút' : 'under a minute';
  if (minutes < 120) return locale === 'vi' ? `${minutes} phút` : `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return locale === 'vi' ? `${hours} giờ` : `${hours} h`;
  const days = Math.round(hours / 24);
  return locale === 'vi' ? `${days} ngày` : `${days} days`;
}

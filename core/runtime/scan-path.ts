import type { Clock } from '../../common/clock.ts';
import type { KioskConfig } from '../../common/config.ts';
import type { EventSink } from '../../common/events.ts';
import type { DriverSet } from '../../drivers/contracts/index.ts';
import { Actuator } from '../actuation/actuator.ts';
import { createDccVerifier } from '../dcc/credential.ts';
import type { TrustListHolder } from '../dcc/trust-list.ts';
import type { VenuePolicy } from '../decision/policy.ts';
import type { Logger } from '../log.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { KioskCore } from '../pipeline/kiosk-core.ts';
import { BlindIndexer } from '../privacy/blind-index.ts';
import { SubjectSealer } from '../privacy/seal.ts';
import type { StatusChecker } from '../status/status-checker.ts';
import type { Uploader } from '../upload/uploader.ts';

/**
 * The gate, lights and passage sensor. A passage (closed loop) is stored against its entry and
 * nudges the uploader; a failed store is logged, the event still goes out.
 */
export function createGate(o: {
  config: KioskConfig;
  drivers: DriverSet;
  policy: VenuePolicy;
  outbox: Outbox;
  uploader: Uploader | undefined;
  clock: Clock;
  emit: EventSink;
  log: Logger;
}): Actuator {
  const { config, drivers, outbox, emit, log } = o;
  return new Actuator({
    gate: drivers.gate,
    indicator: drivers.indicator,
    ...(drivers.sensor ? { sensor: drivers.sensor } : {}),
    settings: { pulseMs: config.gate.pulseMs, failMode: config.gate.failMode, passageWindowMs: config.gate.passageWindowMs },
    actuation: config.actuation,
    shouldOpenOnWarn: o.policy.shouldOpenOnWarn,
    emit,
    log: log.child({ part: 'gate' }),
    onPassage: (seq, entryId, isPassed) => {
      try {
        outbox.recordPassage(seq, isPassed, o.clock.nowMs());
        o.uploader?.nudge();
      } catch (err) {
        log.error({ err }, 'could not store a passage');
      }
      emit({ type: 'passage', entryId, passed: isPassed });
    },
  });
}

/** The scan pipeline with the privacy options and DCC verification the configuration asks for. */
export function createScanCore(o: {
  config: KioskConfig;
  drivers: DriverSet;
  actuator: Actuator;
  status: StatusChecker;
  outbox: Outbox;
  uploader: Uploader | undefined;
  policy: VenuePolicy;
  trustList: TrustListHolder;
  clock: Clock;
  bootMonoMs: () => number;
  isClockSynced: () => boolean;
  emit: EventSink;
  log: Logger;
}): KioskCore {
  const { config, clock, trustList } = o;
  const { sealSubjectTo, blindIndexKeysFile, subjects } = config.privacy;
  return new KioskCore({
    scanner: o.drivers.scanner,
    actuator: o.actuator,
    status: o.status,
    outbox: o.outbox,
    ...(o.uploader ? { uploader: o.uploader } : {}),
    policy: o.policy,
    direction: config.device?.direction ?? config.scanner.direction ?? 'in',
    duplicateWindowMs: config.duplicateWindowMs,
    clock,
    bootMonoMs: o.bootMonoMs,
    isClockSynced: o.isClockSynced,
    ...(sealSubjectTo ? { sealer: new SubjectSealer(sealSubjectTo) } : {}),
    ...(sealSubjectTo && blindIndexKeysFile ? { blindIndexer: BlindIndexer.fromFile(blindIndexKeysFile) } : {}),
    unstoredSubjects: new Set(Object.entries(subjects).filter(([, keep]) => keep === 'none').map(([format]) => format)),
    verifyDcc: createDccVerifier({
      trust: () => trustList.get(),
      nowMs: () => clock.nowMs(),
      clockSkewMs: config.dcc.clockSkewMs,
      valueSets: () => trustList.valueSets(),
    }),
    emit: o.emit,
    log: o.log.child({ part: 'core' }),
  });
}

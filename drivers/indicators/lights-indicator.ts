import type { Indicator, IndicatorPattern } from '../contracts/indicator.ts';
import type { Relay } from '../contracts/relay.ts';
import { lightSteps, soundSteps, StepPlayer } from '../shared/pattern.ts';

export interface Lights {
  green?: Relay;
  red?: Relay;
  amber?: Relay;
  buzzer?: Relay;
}

/**
 * Green/red/amber lamps and a buzzer, each on a relay channel or GPIO line. Without an amber lamp,
 * amber shows as green and red together, as most two-lamp towers do (the IO-plugin rule: the
 * closest thing, and succeed).
 */
export class LightsIndicator implements Indicator {
  readonly id: string;
  private readonly lights: Lights;
  private readonly players = new Map<Relay, StepPlayer>();
  onError: (err: unknown) => void = () => undefined;

  constructor(lights: Lights) {
    this.lights = lights;
    this.id = `lights:${Object.keys(lights).join('+')}`;
  }

  async start(): Promise<void> {
    for (const relay of this.outputs()) await relay.start();
  }

  async show(pattern: IndicatorPattern): Promise<void> {
    const { green, red, amber, buzzer } = this.lights;
    const lamps = pattern.color === 'green' ? [green] : pattern.color === 'red' ? [red] : pattern.color === 'amber' ? (amber ? [amber] : [green, red]) : [];
    for (const relay of [green, red, amber]) {
      if (relay && !lamps.includes(relay)) {
        this.player(relay).cancel();
        await relay.set(false);
      }
    }
    const steps = lightSteps(pattern.mode, pattern.durationMs);
    await Promise.all(lamps.filter((r): r is Relay => r !== undefined).map((r) => this.player(r).play(steps)));
    if (buzzer) await this.player(buzzer).play(soundSteps(pattern.sound));
  }

  async stop(): Promise<void> {
    for (const p of this.players.values()) p.cancel();
    for (const relay of this.outputs()) await relay.stop();
  }

  private outputs(): Relay[] {
    return [this.lights.green, this.lights.red, this.lights.amber, this.lights.buzzer].filter((r): r is Relay => r !== undefined);
  }

  private player(relay: Relay): StepPlayer {
    let p = this.players.get(relay);
    if (!p) {
      p = new StepPlayer((on) => relay.set(on), (err) => this.onError(err));
      this.players.set(relay, p);
    }
    return p;
  }
}

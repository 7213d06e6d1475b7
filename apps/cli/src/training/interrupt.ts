/** The signals that ask a run to stop: Ctrl-C in a terminal, and `kill` (or a parent's relay). */
export type StopSignal = "SIGINT" | "SIGTERM";
export const STOP_SIGNALS: readonly StopSignal[] = ["SIGINT", "SIGTERM"];

/** The part of `process` the interrupt handler needs (injectable for tests). */
export interface SignalSource {
  on(event: StopSignal, listener: () => void): unknown;
  off(event: StopSignal, listener: () => void): unknown;
}

/**
 * Turns Ctrl-C (SIGINT) or SIGTERM into a request that a long job honours at its next safe point
 * (the trainer checks `requested` after every batch, saves a checkpoint and exits with status
 * 130). A second Ctrl-C calls `forceExit` at once, for when saving itself hangs.
 *
 * A terminal's Ctrl-C reaches every process of the foreground group, and the launchers between
 * the shell and this process pass it on once more: `pnpm exec` sends SIGTERM to its child,
 * pnpm's script runner SIGINT to its shell, tsx's command line SIGINT to its child. Signals
 * within `sameRequestMs` of the first are therefore taken as the same request, not as a second
 * press.
 */
export class InterruptRequest {
  private firstAt: number | undefined;
  private readonly source: SignalSource;
  private readonly onFirst: (signal: StopSignal) => void;
  private readonly forceExit: () => void;
  private readonly sameRequestMs: number;
  private readonly now: () => number;
  private readonly listeners = new Map<StopSignal, () => void>(
    STOP_SIGNALS.map((signal) => [signal, () => this.handle(signal)]),
  );
  private installed = false;

  constructor(
    options: {
      source?: SignalSource;
      onFirst?: (signal: StopSignal) => void;
      forceExit?: () => void;
      sameRequestMs?: number;
      now?: () => number;
    } = {},
  ) {
    this.source = options.source ?? process;
    this.onFirst = options.onFirst ?? (() => {});
    this.forceExit = options.forceExit ?? (() => process.exit(130));
    this.sameRequestMs = options.sameRequestMs ?? 1000;
    this.now = options.now ?? (() => performance.now());
  }

  get requested(): boolean {
    return this.firstAt !== undefined;
  }

  install(): this {
    if (!this.installed) for (const [signal, listener] of this.listeners) this.source.on(signal, listener);
    this.installed = true;
    return this;
  }

  /** Restores the default behaviour of the signals. */
  dispose(): void {
    if (this.installed) for (const [signal, listener] of this.listeners) this.source.off(signal, listener);
    this.installed = false;
  }

  private handle(signal: StopSignal): void {
    const now = this.now();
    if (this.firstAt === undefined) {
      this.firstAt = now;
      this.onFirst(signal);
      return;
    }
    // A relay of the same Ctrl-C by a launcher, or the terminal's group signal arriving late.
    if (now - this.firstAt < this.sameRequestMs) return;
    // A deliberate second Ctrl-C (or kill): quit now.
    this.forceExit();
  }
}

/** The part of `process` the interrupt handler needs (injectable for tests). */
export interface SignalSource {
  on(event: "SIGINT", listener: () => void): unknown;
  off(event: "SIGINT", listener: () => void): unknown;
}

/**
 * Turns Ctrl-C into a request that a long job honours at its next safe point (the trainer
 * checks `requested` between batches, saves a checkpoint and exits with status 130). A second
 * Ctrl-C calls `forceExit` at once, for when saving itself hangs.
 */
export class InterruptRequest {
  private flag = false;
  private readonly source: SignalSource;
  private readonly onFirst: () => void;
  private readonly forceExit: () => void;
  private readonly listener = () => this.handle();
  private installed = false;

  constructor(options: { source?: SignalSource; onFirst?: () => void; forceExit?: () => void } = {}) {
    this.source = options.source ?? process;
    this.onFirst = options.onFirst ?? (() => {});
    this.forceExit = options.forceExit ?? (() => process.exit(130));
  }

  get requested(): boolean {
    return this.flag;
  }

  install(): this {
    if (!this.installed) this.source.on("SIGINT", this.listener);
    this.installed = true;
    return this;
  }

  /** Restores the default Ctrl-C behaviour. */
  dispose(): void {
    if (this.installed) this.source.off("SIGINT", this.listener);
    this.installed = false;
  }

  private handle(): void {
    if (this.flag) {
      this.forceExit();
      return;
    }
    this.flag = true;
    this.onFirst();
  }
}

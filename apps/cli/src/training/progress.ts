/** A stream the progress display writes to; `isTTY` chooses between one updating line and plain lines. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Epochs of the whole run, counted from 1. */
  readonly totalEpochs: number;
  readonly batchesPerEpoch: number;
  /** First epoch this session runs (greater than 1 after `--resume`). */
  readonly firstEpoch?: number;
  /** Milliseconds between redraws of the terminal line. */
  readonly redrawIntervalMs?: number;
  /** Without a terminal, a line inside an epoch at most this often (long epochs only). */
  readonly plainIntervalMs?: number;
  /** Clock in milliseconds, injectable for tests. */
  readonly now?: () => number;
}

/** Running figures of the epoch in progress. */
export interface BatchFigures {
  /** Batches finished in this epoch. */
  readonly done: number;
  /** Mean training loss over the finished batches. */
  readonly loss: number;
  /** Training accuracy over the finished batches, in [0, 1]; `NaN` where the step does not measure it (per-vertex tasks). */
  readonly accuracy: number;
}

/** Narrower terminals (or ones that report no width, 0 or undefined) get plain lines instead of a redrawn one. */
export const MIN_REDRAW_COLUMNS = 20;

/**
 * Training progress: on a terminal, a single line redrawn in place with a bar, loss, accuracy and
 * the time left for the whole run; elsewhere (a log file, CI, a terminal that reports no width),
 * plain lines: one per epoch, plus one every `plainIntervalMs` inside long epochs, so logs stay
 * readable. The time left extrapolates from this session's own pace: mean epoch time once an
 * epoch has finished (it includes evaluation), batch pace before that.
 *
 * Written here rather than with a progress-bar package (cli-progress, the maintained choice, was
 * weighed): what is shown is specific to training — the time left for the whole run across
 * epochs and after `--resume`, permanent epoch summaries between redraws, messages (Ctrl-C)
 * printed above the line, log-friendly plain lines — so a package would draw only the bar, a few
 * lines of this class, while its redraw timer cannot fire during a synchronous training step.
 */
export class TrainingProgress {
  private readonly stream: ProgressStream;
  private readonly options: Required<Omit<ProgressOptions, "firstEpoch">> & { firstEpoch: number };
  private readonly startedAt: number;
  private epoch = 0;
  private epochStartedAt = 0;
  private finishedEpochs = 0;
  private finishedEpochsTime = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private lastPlain = 0;
  private lineOpen = false;

  constructor(stream: ProgressStream, options: ProgressOptions) {
    if (!(options.totalEpochs >= 1) || !(options.batchesPerEpoch >= 1)) {
      throw new RangeError("progress needs at least one epoch and one batch per epoch");
    }
    this.stream = stream;
    this.options = {
      totalEpochs: options.totalEpochs,
      batchesPerEpoch: options.batchesPerEpoch,
      firstEpoch: options.firstEpoch ?? 1,
      redrawIntervalMs: options.redrawIntervalMs ?? 100,
      plainIntervalMs: options.plainIntervalMs ?? 10_000,
      now: options.now ?? (() => performance.now()),
    };
    this.startedAt = this.options.now();
  }

  startEpoch(epoch: number): void {
    this.epoch = epoch;
    this.epochStartedAt = this.options.now();
    this.lastPlain = this.epochStartedAt;
    this.lastDraw = Number.NEGATIVE_INFINITY;
  }

  /** Whether progress is one line redrawn in place: a terminal wide enough to hold it. */
  private get redraws(): boolean {
    const columns = this.stream.columns;
    return this.stream.isTTY === true && columns !== undefined && columns >= MIN_REDRAW_COLUMNS;
  }

  /** Reports the figures after a batch; draws when due. */
  batch(figures: BatchFigures): void {
    const now = this.options.now();
    if (this.redraws) {
      if (
        now - this.lastDraw < this.options.redrawIntervalMs &&
        figures.done < this.options.batchesPerEpoch
      ) {
        return;
      }
      this.lastDraw = now;
      this.drawLine(this.formatBatchLine(figures, now, this.stream.columns as number));
    } else if (
      figures.done < this.options.batchesPerEpoch &&
      now - this.lastPlain >= this.options.plainIntervalMs
    ) {
      this.lastPlain = now;
      this.stream.write(`${this.formatBatchLine(figures, now, Number.POSITIVE_INFINITY)}\n`);
    }
  }

  /** Ends the epoch with a summary (training and test figures), printed as a permanent line. */
  endEpoch(summary: string): void {
    const now = this.options.now();
    this.finishedEpochs++;
    this.finishedEpochsTime += now - this.epochStartedAt;
    const left = this.secondsLeft(now, this.options.batchesPerEpoch);
    const line = `${this.epochLabel()} ${summary} | ${formatDuration((now - this.epochStartedAt) / 1000)}${
      this.epoch < this.options.totalEpochs ? `, ${formatDuration(left)} left` : ""
    }`;
    this.clearLine();
    this.stream.write(`${line}\n`);
  }

  /** A message printed above the progress line without garbling it. */
  log(message: string): void {
    this.clearLine();
    this.stream.write(`${message}\n`);
  }

  /** Clears the terminal line (call before the program prints anything else). */
  finish(): void {
    this.clearLine();
  }

  /** Seconds since this display was created. */
  elapsedSeconds(): number {
    return (this.options.now() - this.startedAt) / 1000;
  }

  /** Estimated seconds until the last epoch ends, given `done` batches of the current epoch. */
  secondsLeft(now: number, done: number): number {
    const { totalEpochs, batchesPerEpoch } = this.options;
    const epochsAfterThis = totalEpochs - this.epoch;
    if (this.finishedEpochs > 0) {
      const perEpoch = this.finishedEpochsTime / this.finishedEpochs / 1000;
      const fractionLeft = done >= batchesPerEpoch ? 0 : 1 - done / batchesPerEpoch;
      return perEpoch * (epochsAfterThis + fractionLeft);
    }
    if (done === 0) return Number.NaN;
    const perBatch = (now - this.epochStartedAt) / 1000 / done;
    return perBatch * (batchesPerEpoch - done + epochsAfterThis * batchesPerEpoch);
  }

  private formatBatchLine(figures: BatchFigures, now: number, columns: number): string {
    const { batchesPerEpoch } = this.options;
    const fraction = Math.min(1, figures.done / batchesPerEpoch);
    const figuresText = `${String(figures.done).padStart(String(batchesPerEpoch).length)}/${batchesPerEpoch} loss ${formatNumber(
      figures.loss,
    )}${Number.isNaN(figures.accuracy) ? "" : ` acc ${(100 * figures.accuracy).toFixed(1)}%`} ${formatDuration(this.secondsLeft(now, figures.done))} left`;
    const label = this.epochLabel();
    const barWidth = Math.max(0, Math.min(30, columns - label.length - figuresText.length - 5));
    const filled = Math.round(fraction * barWidth);
    const bar = barWidth > 0 ? ` [${"#".repeat(filled)}${".".repeat(barWidth - filled)}]` : "";
    const line = `${label}${bar} ${figuresText}`;
    return Number.isFinite(columns) ? line.slice(0, Math.max(0, columns - 1)) : line;
  }

  private epochLabel(): string {
    const total = this.options.totalEpochs;
    return `epoch ${String(this.epoch).padStart(String(total).length)}/${total}`;
  }

  private drawLine(line: string): void {
    this.stream.write(`\r${line}\x1b[K`);
    this.lineOpen = true;
  }

  private clearLine(): void {
    if (this.lineOpen) this.stream.write("\r\x1b[K");
    this.lineOpen = false;
  }
}

/** `h:mm:ss` or `m:ss`; `--:--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

function formatNumber(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

/** How the learning rate changes over the epochs. */
export interface LearningRateSchedule {
  /** Peak learning rate. */
  readonly base: number;
  /** `cosine`: warm-up, then cosine decay to `base · finalFraction`; `step`: ×`gamma` every `stepEpochs`; `constant`. */
  readonly kind: "cosine" | "step" | "constant";
  /** Epochs of linear warm-up from `base / warmupEpochs` (cosine only). */
  readonly warmupEpochs: number;
  readonly finalFraction: number;
  readonly stepEpochs: number;
  readonly gamma: number;
}

export const DEFAULT_SCHEDULE: LearningRateSchedule = {
  base: 1e-3,
  kind: "cosine",
  warmupEpochs: 2,
  finalFraction: 0.02,
  stepEpochs: 20,
  gamma: 0.5,
};

/** The learning rate of epoch `epoch` (counted from 1) of `totalEpochs`; constant within an epoch. */
export function learningRateAt(schedule: LearningRateSchedule, epoch: number, totalEpochs: number): number {
  const { base } = schedule;
  switch (schedule.kind) {
    case "constant":
      return base;
    case "step":
      return base * schedule.gamma ** Math.floor((epoch - 1) / schedule.stepEpochs);
    case "cosine": {
      const warm = Math.min(schedule.warmupEpochs, totalEpochs - 1);
      if (epoch <= warm) return (base * epoch) / warm;
      const span = Math.max(1, totalEpochs - warm - 1);
      const progress = Math.min(1, (epoch - warm - 1) / span);
      const floor = base * schedule.finalFraction;
      return floor + (base - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
  }
}

/** Milliseconds in a day: the one definition that features, serving, the simulator and the trainer share. */
export const DAY_MS = 86_400_000;

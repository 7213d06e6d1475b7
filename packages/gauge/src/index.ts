export const GAUGE_PLACEHOLDER = 2;

import { GAUGE_PLACEHOLDER } from "@gemcnn/gauge";
import { icosphere } from "@gemcnn/geometry";

export const NN_PLACEHOLDER: number = icosphere(0).positions.length + GAUGE_PLACEHOLDER;

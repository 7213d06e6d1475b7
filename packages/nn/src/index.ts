import { FieldType } from "@gemcnn/gauge";
import { icosphere } from "@gemcnn/geometry";

export const NN_PLACEHOLDER: number = icosphere(0).positions.length + FieldType.scalars(2).dim;

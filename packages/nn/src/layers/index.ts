export { gemConvLayer as gemConv } from "./gem-conv.js";

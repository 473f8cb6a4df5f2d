/** File names inside a block directory. */
export { segmentPath } from "./chunks-format";

export const INDEX_PATH = "index";
export const META_PATH = "meta.json";

export { type CheckedFile, validateFile } from "./validate.js";

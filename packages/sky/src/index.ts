export * from "./vector.js";

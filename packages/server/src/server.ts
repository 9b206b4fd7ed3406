/**
 * @deprecated The start-up moved to startup.ts (issue 19: server.ts and service.ts were easy to swap). Kept only while
 * test-support/service.ts imports it; import startup.js.
 */
export * from "./startup.js";

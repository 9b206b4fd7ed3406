import type { Config } from "./config.js";
export async function loadCommand(_args: string[], _config: Config): Promise<void> {
  throw new Error("tap-server load is not implemented yet");
}

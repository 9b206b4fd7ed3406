import type { MySqlConnectionConfig } from "../config.js";
import type { Backend } from "./backend.js";
export const MariaDbBackend = {
  async open(_c: MySqlConnectionConfig): Promise<Backend> {
    throw new Error("the MariaDB backend is not implemented yet");
  },
};

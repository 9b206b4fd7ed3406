import type { MySqlConnectionConfig } from "../config.js";
import type { Backend } from "./backend.js";
export const QservBackend = {
  async open(_c: MySqlConnectionConfig): Promise<Backend> {
    throw new Error("the Qserv backend is not implemented yet");
  },
};

/**
 * Qserv through its MySQL-protocol proxy: the MariaDB backend's connection handling, with the
 * qserv dialect (the compiler refuses what Qserv cannot run) and no uploads (Qserv has no
 * per-session temporary tables). TAP_SCHEMA is answered from the embedded store.
 */
import type { Dialect } from "@qserv-tap/adql-compiler";
import type { MySqlConnectionConfig } from "../config.js";
import { MariaDbBackend } from "./mariadb.js";

export class QservBackend extends MariaDbBackend {
  override readonly kind = "qserv" as const;
  override readonly dialect: Dialect = "qserv";
  override readonly uploads = false;
  override readonly description: string;

  protected constructor(pool: ReturnType<typeof MariaDbBackend.createPool>, config: MySqlConnectionConfig) {
    super(pool, config);
    this.description = `Qserv at ${config.host}:${config.port}`;
  }

  static override async open(config: MySqlConnectionConfig): Promise<QservBackend> {
    const b = new QservBackend(MariaDbBackend.createPool(config), config);
    await b.ping();
    return b;
  }

  override async storedFelis(): Promise<string[]> {
    return [];
  }
}

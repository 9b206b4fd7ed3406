/**
 * What name resolution needs to know about the tables a query may use. The catalog module (Felis,
 * TAP_SCHEMA) builds it; tests and tools can also write it by hand.
 */
import type { ValueType } from "../ast/nodes.js";

export interface SchemaColumn extends ValueType {
  readonly name: string;
}

/** How Qserv partitions a table (qserv/README §c): a director has its own position columns. */
export interface QservPartitioning {
  readonly director: boolean;
  /** Partitioning longitude and latitude columns of a director table. */
  readonly ra?: string;
  readonly dec?: string;
  /** The partition overlap in degrees: the largest radius of a near-neighbour join. */
  readonly overlap?: number;
  /** The director key (objectId): rows with equal keys are in the same chunk. For a child, its column that holds it. */
  readonly key?: string;
  /** A child's director table. */
  readonly directorTable?: QservTableName;
  /**
   * A match table (Qserv's director_table2): the two directors whose rows it pairs, each with the
   * match table's column that holds that director's key. A match table has no position of its own.
   */
  readonly match?: readonly [QservMatchSide, QservMatchSide];
}

export interface QservTableName {
  readonly schema: string | null;
  readonly name: string;
}

export interface QservMatchSide {
  readonly director: QservTableName;
  readonly column: string;
}

export interface SchemaTable {
  /** The schema name as ADQL sees it (e.g. `dp02_dc2_catalogs`, `TAP_UPLOAD`), or null. */
  readonly schema: string | null;
  readonly name: string;
  readonly columns: readonly SchemaColumn[];
  /** The table's name in the database, when it differs (an upload's temporary table, a renamed schema). */
  readonly sqlName?: readonly string[];
  readonly qserv?: QservPartitioning;
}

/** The tables that a query may name. */
export interface SchemaLookup {
  readonly tables: readonly SchemaTable[];
}

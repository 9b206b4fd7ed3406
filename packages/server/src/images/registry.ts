/**
 * The image registry: what an image ID names. An ID resolves to a dataset (its type, its data ID, its file) and to a
 * byte source for that file; anything the registry does not know is undefined (a 404), never a path or a URL that
 * the service would follow. Two implementations: the local registry (a table in the embedded DuckDB, filled by the
 * demo generator and `tap-server images ingest`) and Rubin's Butler server (pre-signed URLs read through HTTP Range).
 */
import type { ByteSource } from "@qserv-tap/fits";

/** Who asks: the Butler server is asked with the caller's own bearer token. */
export interface Caller {
  token?: string;
}

export interface ImageDataset {
  /** The ID in its canonical form (the ObsCore obs_publisher_did), whatever form the request used. */
  id: string;
  /** The Butler's dataset type: deep_coadd, visit_image, raw, … */
  datasetType: string;
  /** The Butler's data ID: band, tract, patch, visit, detector, … */
  dataId: Readonly<Record<string, string | number>>;
  /** Whether cutouts of it are offered (not of raw data, as in Rubin's datalinker). */
  cutout: boolean;
  /** The file's size in bytes, when the registry knows it without opening the file. */
  size?: number;
  /** The ObsCore ranges that BAND and TIME filter on (metres; MJD), when known. */
  em?: readonly [number, number];
  t?: readonly [number, number];
  /** The ObsCore pol_states (`/I/Q/U/`) of a dataset with a Stokes axis. */
  polStates?: string;
  /** Opens the file; the caller closes the source. */
  open(): Promise<ByteSource>;
}

export interface ImageRegistry {
  readonly kind: "local" | "butler";
  /**
   * The dataset, or undefined when the registry does not know the ID. Throws an ImageIdError when the ID is not an
   * image ID at all (a UsageFault), an ImageServiceError when the registry cannot answer (a ServiceUnavailable).
   */
  resolve(id: string, caller: Caller): Promise<ImageDataset | undefined>;
  close(): Promise<void>;
}

/** The ID is not an image ID of this service (DALI: UsageFault, 400). */
export class ImageIdError extends Error {
  override name = "ImageIdError";
}

/** The registry could not answer (the Butler server is down or refused us): 503, or 401/403 when `status` says so. */
export class ImageServiceError extends Error {
  override name = "ImageServiceError";
  constructor(
    message: string,
    readonly status = 503,
  ) {
    super(message);
  }
}

/**
 * The parts of Rubin's two ID forms: `ivo://{authority}/…?repo=R&id=UUID` (DMTN-302) and `butler://R/UUID`. Both are
 * lower-cased: an ivo:// ID is an IVOID, and IVOIDs compare case-insensitively (SIA 2.0 §2.1.10, whose ID query
 * matches obs_publisher_did so); in butler://R/UUID the label is the URI's host, case-insensitive by RFC 3986 §3.2.2.
 * A registry compares `repo` with its labels lower-cased, and builds the canonical ID from its own spelling.
 */
export interface ParsedImageId {
  repo: string;
  uuid: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A label, not a path segment: "." and ".." are refused although dots are allowed. */
const REPO = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,64}$/;

/**
 * Splits an image ID into its repository and UUID; throws an ImageIdError naming what is wrong. The repository label
 * and the UUID are checked here, so that no registry ever sees a path, a URL or a query of its own. Every spelling
 * that SIA's ID finds (the canonical ID in any case) is read here, and as the same dataset.
 */
export function parseImageId(id: string): ParsedImageId {
  const shown = id.length > 120 ? `${id.slice(0, 120)}…` : id;
  let repo: string | undefined;
  let uuid: string | undefined;
  // RFC 3986 §3.1: "schemes are case-insensitive".
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(id)?.[1]?.toLowerCase();
  if (scheme === "butler") {
    const m = /^butler:\/\/([^/?#]+)\/([^/?#]+)$/i.exec(id);
    if (m) [repo, uuid] = [m[1], m[2]];
  } else if (scheme === "ivo") {
    const q = id.indexOf("?");
    if (q > 0 && !id.includes("#")) {
      // The key names too: SIA finds `…?REPO=DEMO&ID=…`, a spelling of the same IVOID.
      const params = [...new URLSearchParams(id.slice(q + 1))];
      const values = (name: string) => params.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
      const repos = values("repo");
      const ids = values("id");
      // Two of either (`repo=a&REPO=b`) would make the ID name two datasets.
      if (repos.length > 1 || ids.length > 1) throw new ImageIdError(`Dataset ID '${shown}' gives ${repos.length > 1 ? "repo" : "id"} more than once`);
      [repo] = repos;
      [uuid] = ids;
    }
  }
  if (repo === undefined || uuid === undefined) {
    throw new ImageIdError(`Unable to extract valid dataset ID from '${shown}': expected ivo://…?repo=REPO&id=UUID or butler://REPO/UUID`);
  }
  if (!REPO.test(repo)) throw new ImageIdError(`Invalid repository label in dataset ID '${shown}'`);
  if (!UUID.test(uuid)) throw new ImageIdError(`Invalid dataset UUID in dataset ID '${shown}'`);
  return { repo: repo.toLowerCase(), uuid: uuid.toLowerCase() };
}

/** The canonical ID of a dataset (what ObsCore's obs_publisher_did holds). */
export function imageId(authority: string, repo: string, uuid: string): string {
  return `ivo://${authority}/${repo}?repo=${repo}&id=${uuid}`;
}

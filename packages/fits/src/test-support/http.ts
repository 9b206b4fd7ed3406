/** A real HTTP server on 127.0.0.1 that serves bytes with Range (RFC 9110 §14), and counts what it was asked. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RangeServer {
  url: string;
  /** The Range headers received, in order. */
  ranges: string[];
  /** Replace the served bytes (and so the ETag). */
  setBytes(bytes: Uint8Array): void;
  close(): Promise<void>;
}

export interface RangeServerOptions {
  /** Answer 200 with the whole body, as a server without Range support does. */
  ignoreRange?: boolean;
}

export async function rangeServer(initial: Uint8Array, options: RangeServerOptions = {}): Promise<RangeServer> {
  let bytes = initial;
  let version = 1;
  const ranges: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const range = req.headers.range ?? "";
    ranges.push(range);
    const etag = `"v${version}"`;
    const m = /^bytes=(\d+)-(\d+)$/.exec(range);
    if (options.ignoreRange || !m) {
      res.writeHead(200, { "Content-Length": bytes.length, ETag: etag });
      res.end(Buffer.from(bytes));
      return;
    }
    const first = Number(m[1]);
    const last = Math.min(Number(m[2]), bytes.length - 1);
    if (first >= bytes.length) {
      res.writeHead(416, { "Content-Range": `bytes */${bytes.length}` });
      res.end();
      return;
    }
    res.writeHead(206, { "Content-Range": `bytes ${first}-${last}/${bytes.length}`, "Content-Length": last - first + 1, ETag: etag });
    res.end(Buffer.from(bytes.subarray(first, last + 1)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/file.fits?X-Amz-Signature=secret`,
    ranges,
    setBytes(b) {
      bytes = b;
      version++;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A loopback HTTP server that serves a folder laid out like the assets folder (an EASEL_ASSETS_URL
 * mirror), with faults on demand: files served corrupted, files that fail with 503 a number of
 * times before they succeed; and it counts the requests per path.
 *
 * As a program (for the fresh-clone check in .ci/run): `npx tsx test/helpers/assets-mirror.ts <folder> [port-file]`
 * serves <folder> until killed and writes its URL to port-file (or prints it).
 */
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface AssetsMirror {
  url: string;
  /** GET requests per path (relative, as in the manifest). */
  requests: Map<string, number>;
  /** Paths served with one byte flipped. */
  corrupt: Set<string>;
  /** Path → how many more requests get a 503 before the file is served. */
  flaky: Map<string, number>;
  close(): Promise<void>;
}

export async function startAssetsMirror(folder: string): Promise<AssetsMirror> {
  const requests = new Map<string, number>();
  const corrupt = new Set<string>();
  const flaky = new Map<string, number>();
  const root = path.resolve(folder);
  const server: Server = createServer(async (req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://mirror').pathname).replace(/^\/+/, '');
    requests.set(rel, (requests.get(rel) ?? 0) + 1);
    const file = path.resolve(root, rel);
    if (req.method !== 'GET' || !file.startsWith(`${root}${path.sep}`)) {
      res.writeHead(404).end();
      return;
    }
    const failures = flaky.get(rel) ?? 0;
    if (failures > 0) {
      flaky.set(rel, failures - 1);
      res.writeHead(503, { 'retry-after': '0' }).end('try again');
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    if (corrupt.has(rel)) {
      bytes = Buffer.from(bytes);
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    corrupt,
    flaky,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('assets-mirror.ts')) {
  const [folder, portFile] = process.argv.slice(2);
  if (!folder) {
    process.stderr.write('usage: assets-mirror.ts <assets folder> [url-file]\n');
    process.exit(2);
  }
  const mirror = await startAssetsMirror(folder);
  if (portFile) await writeFile(portFile, mirror.url);
  else process.stdout.write(`${mirror.url}\n`);
  process.on('SIGTERM', () => void mirror.close().then(() => process.exit(0)));
}

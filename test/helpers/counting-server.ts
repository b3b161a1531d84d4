/**
 * A loopback HTTP server that counts every TCP connection it accepts and records the
 * Authorization header of each request: the "target" an attacker would aim the bot at (Redis, the
 * ops port, a metadata service), or a file host whose traffic a test inspects.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingServer {
  origin: string;
  connections(): number;
  readonly seen: { url: string; auth?: string }[];
  close(): Promise<void>;
}

export async function countingServer(handler: http.RequestListener = (_req, res) => void res.end('internal data')): Promise<CountingServer> {
  const seen: { url: string; auth?: string }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    handler(req, res);
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

// A small static file server on 127.0.0.1 for download tests: serves <root>/<path>, 404 otherwise,
// and lets a test replace the bytes of chosen paths.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface TestServer {
  url: string;
  /** request paths seen, in order */
  requests: string[];
  /** bytes to serve instead of the file at this URL path (e.g. "/uci-energy/data.txt") */
  overrides: Map<string, Uint8Array>;
  close(): Promise<void>;
}

export async function startFileServer(root: string): Promise<TestServer> {
  const requests: string[] = [];
  const overrides = new Map<string, Uint8Array>();
  const server: Server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(urlPath);
    const send = (body: Uint8Array): void => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    };
    const override = overrides.get(urlPath);
    if (override) return send(override);
    const file = path.join(root, path.normalize(urlPath).replace(/^(\.\.[/\\])+/, ''));
    readFile(file).then(send, () => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    requests,
    overrides,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

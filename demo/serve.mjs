#!/usr/bin/env node
// A static server for the demo page and the browser tests: 127.0.0.1 only, correct MIME types
// for .js/.wasm, and (by default) the COOP/COEP headers that make the page crossOriginIsolated,
// so cellkernels can use the simd-threads variant. `--plain` leaves them out (simd variant).
//   node demo/serve.mjs [--port 8080] [--plain]   then open http://127.0.0.1:8080/demo/
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.png': 'image/png',
  '.map': 'application/json',
};

/**
 * Serves `root` on 127.0.0.1 (port 0 = any free port). Resolves to { url, close() }.
 * `isolated` adds Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp.
 */
export function serve({ root, port = 0, isolated = true }) {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let file = path.join(base, decodeURIComponent(url.pathname));
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = path.join(file, 'index.html');
      const st = statSync(file);
      const headers = {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-length': st.size,
        'cache-control': 'no-store',
      };
      if (isolated) {
        headers['cross-origin-opener-policy'] = 'same-origin';
        headers['cross-origin-embedder-policy'] = 'require-corp';
        headers['cross-origin-resource-policy'] = 'same-origin';
      }
      res.writeHead(200, headers);
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${url.pathname}`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address();
      resolve({ url: `http://127.0.0.1:${p}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const port = Number(args[args.indexOf('--port') + 1]) || 8080;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const s = await serve({ root, port: args.includes('--port') ? port : 8080, isolated: !args.includes('--plain') });
  console.log(`serving ${root} on ${s.url}/demo/ (${args.includes('--plain') ? 'not ' : ''}cross-origin isolated); Ctrl-C stops`);
}

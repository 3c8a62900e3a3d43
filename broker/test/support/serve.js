'use strict';
/**
 * The broker's bundle behind a loopback HTTP server, as a Lambda function URL puts it behind HTTPS:
 * each request becomes a payload-format-2.0 event for `handler`, its result becomes the answer.
 * Prints {"port": N} on the first stdout line; the broker's own log lines follow. SIGTERM stops it.
 * Plain CommonJS so a test can start it with node and no compiler.
 */
const http = require('node:http');
const path = require('node:path');

const { handler } = require(path.resolve(__dirname, '../../dist/index.js'));
/** The function's timeout in stack 02, ms: a function URL answers 502 when it passes. */
const FUNCTION_TIMEOUT_MS = 15000;
/** Function URLs refuse request bodies over 6 MB; the broker needs none. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

function headersOf(req) {
  const out = {};
  for (const [name, value] of Object.entries(req.headers)) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return out;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) {
      res
        .writeHead(413, { 'content-type': 'application/json' })
        .end('{"message":"Request Entity Too Large"}');
      return;
    }
    const url = new URL(req.url || '/', 'http://127.0.0.1');
    const body = Buffer.concat(chunks).toString('utf8');
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers: headersOf(req),
      requestContext: {
        http: { method: req.method, path: url.pathname, sourceIp: req.socket.remoteAddress },
      },
      body,
      isBase64Encoded: false,
    };
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(
        () => resolve({ statusCode: 502, headers: {}, body: '{"message":"Internal Server Error"}' }),
        FUNCTION_TIMEOUT_MS,
      );
    });
    Promise.race([handler(event), timeout])
      .then((result) => {
        res.writeHead(result.statusCode, result.headers || {});
        res.end(result.body || '');
      })
      .catch((error) => {
        process.stderr.write(`handler threw: ${error && error.message}\n`);
        res.writeHead(502, { 'content-type': 'application/json' }).end('{"message":"Internal Server Error"}');
      })
      .finally(() => clearTimeout(timer));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});

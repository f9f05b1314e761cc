// The limit of this platform: a bare node:http server that answers each request with the very bytes (status,
// content type, body) the registry returned for the same request, from memory. Requests it has no capture for get
// the fallback capture (for cold search: one typical 20-result answer). Started by bench/run.mjs as a child process,
// like the registry, so both pay the same process and socket costs.
//   node bench/bare-server.mjs <captures.json> <port>
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [file, port] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(file, 'utf8'));
const toAnswer = (capture) => ({
  status: capture.status,
  headers: { ...capture.headers, 'content-length': String(Buffer.from(capture.body, 'base64').length) },
  body: Buffer.from(capture.body, 'base64'),
});
const answers = new Map(Object.entries(spec.captures).map(([url, capture]) => [url, toAnswer(capture)]));
const fallbacks = Object.entries(spec.fallbacks ?? {}).map(([prefix, capture]) => [prefix, toAnswer(capture)]);

const server = http.createServer((request, response) => {
  if (request.url === '/__ready__') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ready');
    return;
  }
  let answer = answers.get(request.url);
  if (answer === undefined) answer = fallbacks.find(([prefix]) => request.url.startsWith(prefix))?.[1];
  if (answer === undefined) {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('no capture');
    return;
  }
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
});
server.keepAliveTimeout = 72_000;
server.listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

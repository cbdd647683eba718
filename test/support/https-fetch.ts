/**
 * A `fetch` for in-process tests that trusts the test CA (the way `NODE_EXTRA_CA_CERTS` makes every
 * Node.js client trust it, which only works at process start): node:https with an explicit `ca`,
 * answering a standard `Response`. Clients take it through their injectable `fetch`; the
 * `NODE_EXTRA_CA_CERTS` path itself is tested in child processes.
 */
import https from 'node:https';
import { testCa } from './https-server';

export function httpsTestFetch(): typeof fetch {
  const ca = testCa();
  const impl = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input.toString() : input.url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    let body: Buffer | undefined;
    const b = init.body;
    if (typeof b === 'string') body = Buffer.from(b);
    else if (b instanceof URLSearchParams) {
      body = Buffer.from(b.toString());
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (b instanceof Uint8Array) body = Buffer.from(b);
    else if (b !== undefined && b !== null) throw new Error('httpsTestFetch: unsupported body type');
    if (body) headers['content-length'] = String(body.length);
    return new Promise<Response>((resolve, reject) => {
      const req = https.request(url, { method: init.method ?? 'GET', headers, ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (typeof v === 'string') h.set(k, v);
            else if (Array.isArray(v)) for (const x of v) h.append(k, x);
          }
          const status = res.statusCode ?? 500;
          const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(payload, { status, statusText: res.statusMessage ?? '', headers: h }));
        });
        res.on('error', reject);
      });
      req.on('error', (e) => reject(new TypeError('fetch failed', { cause: e })));
      init.signal?.addEventListener('abort', () => req.destroy(init.signal?.reason as Error));
      if (body) req.write(body);
      req.end();
    });
  };
  return impl as typeof fetch;
}

/**
 * A `fetch` over node:https that trusts the test CA (test/support/tls), for clients tested in-process
 * against the fake vendor APIs. `NODE_EXTRA_CA_CERTS` cannot be set for a running process, so tests
 * inject this fetch; the NODE_EXTRA_CA_CERTS path itself is tested in a child process.
 */
import https from 'node:https';
import { testCa } from './https-server';

const agent = new https.Agent({ ca: testCa(), keepAlive: true });

/** Requests made through {@link testCaFetch}, for assertions on what a client sent. */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** `fetch` that trusts the test CA. String bodies only (JSON, forms), which is what the clients send. */
export const testCaFetch: typeof fetch = async (input, init) => {
  const req = input instanceof Request ? input : undefined;
  const url = req ? req.url : String(input);
  const method = (init?.method ?? req?.method ?? 'GET').toUpperCase();
  const headers = new Headers(req?.headers);
  new Headers(init?.headers).forEach((v, k) => headers.set(k, v));
  let body: string | undefined;
  const b = init?.body ?? (req && req.body ? await req.text() : undefined);
  if (typeof b === 'string') body = b;
  else if (b instanceof URLSearchParams) body = b.toString();
  else if (b !== undefined && b !== null) throw new Error('testCaFetch: only string bodies are supported');
  const signal = init?.signal ?? undefined;

  return new Promise<Response>((resolve, reject) => {
    const out: Record<string, string> = {};
    headers.forEach((v, k) => (out[k] = v));
    if (body !== undefined) out['content-length'] = String(Buffer.byteLength(body));
    const r = https.request(url, { method, headers: out, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) for (const x of v) h.append(k, x);
          else if (v !== undefined) h.set(k, v);
        }
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks);
        const nullBody = status === 204 || status === 304 || method === 'HEAD';
        resolve(
          new Response(nullBody ? null : text, { status, statusText: res.statusMessage ?? '', headers: h }),
        );
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    if (signal) {
      if (signal.aborted) r.destroy(signal.reason as Error);
      else signal.addEventListener('abort', () => r.destroy(signal.reason as Error), { once: true });
    }
    if (body !== undefined) r.write(body);
    r.end();
  });
};

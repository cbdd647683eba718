import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TEST_CA_FILE, startHttpsServer } from './https-server';

const run = promisify(execFile);

describe('the test HTTPS server', () => {
  it('is trusted by a Node.js process given the test CA through NODE_EXTRA_CA_CERTS, and by nothing else', async () => {
    const server = await startHttpsServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    try {
      const script = `fetch(${JSON.stringify(server.base)}).then(r => r.text()).then(t => process.stdout.write(t), e => { process.stdout.write('refused: ' + (e.cause?.code ?? e.message)); })`;
      const trusted = await run(process.execPath, ['-e', script], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: TEST_CA_FILE },
      });
      expect(trusted.stdout).toBe('{"ok":true}');
      const env = { ...process.env };
      delete env.NODE_EXTRA_CA_CERTS;
      const untrusted = await run(process.execPath, ['-e', script], { env });
      expect(untrusted.stdout).toMatch(/^refused: /);
    } finally {
      await server.close();
    }
  });
});

/**
 * A deployment pointed at private https endpoints (a national cloud proxy, a test server) trusting an
 * extra CA through NODE_EXTRA_CA_CERTS: the Graph client, @azure/identity (OpenID metadata and token
 * request, no instance discovery) and the Management Activity API client work unchanged, with their
 * default HTTP stacks. Node reads NODE_EXTRA_CA_CERTS at start, hence a child process.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startFakeEntra } from '../../support/fake-entra';
import { directoryAudit, startFakeGraph } from '../../support/fake-graph';
import { contentId, startFakeManagement, ualRecord } from '../../support/fake-management';
import { TEST_CA_FILE } from '../../support/https-server';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '../../..');
const TENANT = '2f4a9c1e-7b3d-4e5f-a6b7-c8d9e0f1a2b3';
const CLIENT = '6c1f3b0e-9d2a-4e8f-b7c6-5a4d3e2f1b0c';

describe('Microsoft clients and NODE_EXTRA_CA_CERTS', () => {
  it('reach any https base URL trusted through NODE_EXTRA_CA_CERTS, with the SDKs default HTTP stacks', async () => {
    const entra = await startFakeEntra();
    entra.register({ tenantId: TENANT, clientId: CLIENT, secret: 's3cr3t' });
    const graph = await startFakeGraph(entra, TENANT);
    const m365 = await startFakeManagement(entra, TENANT);
    try {
      const now = Date.now();
      graph.audits.push(directoryAudit(now - 10 * 60_000));
      m365.subscriptions.set('Audit.AzureActiveDirectory', 'enabled');
      m365.blobs.push({
        contentType: 'Audit.AzureActiveDirectory',
        contentId: contentId('Audit.AzureActiveDirectory', now - 20 * 60_000),
        contentCreated: now - 20 * 60_000,
        records: [ualRecord(now - 25 * 60_000), ualRecord(now - 24 * 60_000)],
      });
      const tenant = {
        tenantId: TENANT,
        clientId: CLIENT,
        clientSecret: 's3cr3t',
        authorityHost: entra.base,
        graphBase: graph.base,
        managementBase: m365.base,
        feeds: ['directoryAudits'],
        contentTypes: ['Audit.AzureActiveDirectory'],
      };
      const args = [
        path.join(ROOT, 'bin/run-ts.cjs'),
        path.join(__dirname, 'extra-ca.child.ts'),
        JSON.stringify({ tenant }),
      ];
      const env = { ...process.env, NODE_EXTRA_CA_CERTS: TEST_CA_FILE };
      const trusted = await run(process.execPath, args, { env, cwd: ROOT, timeout: 60_000 });
      expect(JSON.parse(trusted.stdout)).toEqual({
        'graph-directory-audits': 1,
        'm365-audit-azureactivedirectory': 2,
      });
      expect(entra.requests).not.toContain('GET /common/discovery/instance');
      expect(entra.issued).toHaveLength(2); // one token for Graph, one for the Management API

      const untrustedEnv = { ...process.env };
      delete untrustedEnv.NODE_EXTRA_CA_CERTS;
      const untrusted = await run(process.execPath, args, { env: untrustedEnv, cwd: ROOT, timeout: 60_000 });
      expect(untrusted.stdout).toMatch(/^failed: /);
    } finally {
      await m365.close();
      await graph.close();
      await entra.close();
    }
  });
});

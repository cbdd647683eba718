/**
 * A local stand-in for AWS STS `AssumeRoleWithWebIdentity`, over real HTTP: the awsQuery protocol
 * (`POST /` form body `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=...
 * &RoleSessionName=...&WebIdentityToken=...`), unsigned as the real call is, XML answers.
 *
 * It plays the role trust policy: the token must be accepted by `accept(token)` (the audience the
 * stack's OIDC provider trusts) and the role must be the one configured; otherwise it answers what STS
 * answers (`InvalidIdentityToken`, `AccessDenied`). Credentials it issues expire after `ttlSeconds`.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IssuedAwsCredentials {
  accessKeyId: string;
  roleArn: string;
  sessionName: string;
}

export interface FakeSts {
  endpoint: string;
  issued: IssuedAwsCredentials[];
  close(): Promise<void>;
}

export async function startFakeSts(opts: {
  roleArn: string;
  accept: (token: string) => boolean;
  ttlSeconds?: number;
}): Promise<FakeSts> {
  const issued: IssuedAwsCredentials[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const p = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const error = (status: number, code: string, message: string): void => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`,
        );
      };
      if (p.get('Action') !== 'AssumeRoleWithWebIdentity')
        return error(400, 'InvalidAction', 'not supported');
      const token = p.get('WebIdentityToken') ?? '';
      if (!opts.accept(token)) return error(400, 'InvalidIdentityToken', 'Incorrect token audience');
      const roleArn = p.get('RoleArn') ?? '';
      if (roleArn !== opts.roleArn)
        return error(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
      const sessionName = p.get('RoleSessionName') ?? '';
      const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
      issued.push({ accessKeyId, roleArn, sessionName });
      const expiration = new Date(Date.now() + (opts.ttlSeconds ?? 3600) * 1000).toISOString();
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>` +
          `<SubjectFromWebIdentityToken>principal</SubjectFromWebIdentityToken><Audience>api://AzureADTokenExchange</Audience>` +
          `<AssumedRoleUser><Arn>${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${sessionName}</Arn><AssumedRoleId>AROA:${sessionName}</AssumedRoleId></AssumedRoleUser>` +
          `<Credentials><SessionToken>session-${randomBytes(8).toString('hex')}</SessionToken><SecretAccessKey>${randomBytes(20).toString('hex')}</SecretAccessKey>` +
          `<Expiration>${expiration}</Expiration><AccessKeyId>${accessKeyId}</AccessKeyId></Credentials>` +
          `<Provider>login.microsoftonline.com</Provider></AssumeRoleWithWebIdentityResult>` +
          `<ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    issued,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

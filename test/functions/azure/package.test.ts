/**
 * The deployment package `npm run build:azure` writes: a flat zip with host.json, package.json and one
 * bundled index.js that loads with nothing but the worker's core API and registers the functions.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { HOST_JSON, buildAzurePackage, zip } from '../../../scripts/build-azure';

const run = promisify(execFile);

/** Reads a zip through its central directory (what `unzip` and the Functions deployment do). */
function unzip(buf: Buffer): Map<string, Buffer> {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(at)).toBe(0x02014b50);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    out.set(name, inflateRawSync(buf.subarray(dataAt, dataAt + size)));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

describe('npm run build:azure', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'tripline-azure-'));
  let files: Map<string, Buffer>;

  beforeAll(async () => {
    const pkg = await buildAzurePackage(outDir);
    files = unzip(readFileSync(pkg.zipPath));
  });

  it('writes a flat zip with host.json (v2, extension bundle 4.x for the Event Hub and blob bindings), package.json and the bundle', () => {
    expect([...files.keys()]).toEqual(['host.json', 'package.json', 'index.js', 'index.js.map']);
    expect(JSON.parse(files.get('host.json')?.toString() ?? '{}')).toEqual(HOST_JSON);
    expect(HOST_JSON.extensionBundle).toEqual({
      id: 'Microsoft.Azure.Functions.ExtensionBundle',
      version: '[4.*, 5.0.0)',
    });
    expect(JSON.parse(files.get('package.json')?.toString() ?? '{}')).toMatchObject({ main: 'index.js' });
  });

  it('loads with only the worker-provided core API and registers the functions the settings ask for', async () => {
    const dir = join(outDir, 'run');
    mkdirSync(join(dir, 'node_modules', '@azure', 'functions-core'), { recursive: true });
    for (const [name, data] of files) writeFileSync(join(dir, name), data);
    writeFileSync(
      join(dir, 'node_modules', '@azure', 'functions-core', 'index.js'),
      `const names = [];
       module.exports = {
         registerFunction(metadata) { names.push(metadata.name + ':' + Object.values(metadata.bindings).map((b) => b.type).join('+')); return { dispose() {} }; },
         setProgrammingModel() {},
         getProgrammingModel() {},
         registerHook() { return { dispose() {} }; },
       };
       process.on('exit', () => process.stdout.write(JSON.stringify(names)));`,
    );
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      ENTRA_EVENTHUB_NAME: 'entra-logs',
      TRIPLINE_POLL_SOURCES: 'graph,m365',
    };
    const { stdout } = await run(process.execPath, ['-e', "require('./index.js')"], { cwd: dir, env });
    expect(JSON.parse(stdout)).toEqual([
      'entraEventHub:eventHubTrigger+blob',
      'pollGraph:timerTrigger',
      'pollM365:timerTrigger',
      'stateSweep:timerTrigger',
    ]);
  });

  it('zips deterministically: the same files give the same bytes', () => {
    const entries = [{ name: 'a.txt', data: Buffer.from('hello') }];
    expect(zip(entries).equals(zip(entries))).toBe(true);
    expect(unzip(zip(entries)).get('a.txt')?.toString()).toBe('hello');
  });
});

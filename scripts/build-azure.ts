/**
 * Builds the Azure Functions deployment package: `npm run build:azure` writes
 * dist/azure/tripline-functions.zip, ready for
 * `az functionapp deployment source config-zip --src dist/azure/tripline-functions.zip ...`.
 *
 * The package holds only what the Functions host needs: `host.json` (with the extension bundle that
 * provides the Event Hub and blob bindings), `package.json` (whose `main` the Node.js worker loads),
 * and `index.js`, the functions bundled by esbuild with every dependency inside (no node_modules, no
 * build on the server). `@azure/functions-core` stays external: the worker provides it.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

const ROOT = resolve(__dirname, '..');

/** host.json of the package. */
export const HOST_JSON = {
  version: '2.0',
  extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
  logging: { logLevel: { default: 'Information' } },
};

/** What {@link buildAzurePackage} produced. */
export interface AzurePackage {
  zipPath: string;
  /** File names inside the zip, in order. */
  files: string[];
}

/**
 * Bundles the functions and writes the zip.
 *
 * @param outDir where to write (default dist/azure); the folder is emptied first.
 */
export async function buildAzurePackage(outDir = join(ROOT, 'dist', 'azure')): Promise<AzurePackage> {
  rmSync(outDir, { recursive: true, force: true });
  const stage = join(outDir, 'package');
  mkdirSync(stage, { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'functions', 'azure', 'index.ts')],
    outfile: join(stage, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    sourcesContent: false,
    minify: true,
    keepNames: true,
    external: ['@azure/functions-core'],
    tsconfig: join(ROOT, 'tsconfig.json'),
    logLevel: 'warning',
    legalComments: 'none',
  });
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
  writeFileSync(join(stage, 'host.json'), `${JSON.stringify(HOST_JSON, null, 2)}\n`);
  writeFileSync(
    join(stage, 'package.json'),
    `${JSON.stringify({ name: 'tripline-azure-functions', version, private: true, main: 'index.js' }, null, 2)}\n`,
  );
  const files = ['host.json', 'package.json', 'index.js', 'index.js.map'];
  const zipPath = join(outDir, 'tripline-functions.zip');
  writeFileSync(zipPath, zip(files.map((name) => ({ name, data: readFileSync(join(stage, name)) }))));
  return { zipPath, files };
}

/** A minimal zip writer (deflate, no directories): enough for a flat deployment package. */
export function zip(entries: Array<{ name: string; data: Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  // 1980-01-01 00:00: a fixed time, so the same sources give the same bytes.
  const dosTime = 0;
  const dosDate = (0 << 9) | (1 << 5) | 1;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const packed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, packed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

if (process.argv[1] === __filename) {
  buildAzurePackage().then(
    ({ zipPath, files }) => process.stdout.write(`wrote ${zipPath} (${files.join(', ')})\n`),
    (e: unknown) => {
      process.stderr.write(`build:azure failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

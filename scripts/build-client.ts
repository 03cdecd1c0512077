/**
 * `npm run build:client` (and `prepack`): builds `meta-strategy-selector/client` into dist/client,
 * one ES module and one self-contained declaration file, so that the packed package works from
 * ESM TypeScript and plain Node. Dependencies stay imports: the installing project gets them from
 * package.json.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const entry = `${root}client/index.ts`;
const outDir = `${root}dist/client`;

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

await build({
  entryPoints: [entry],
  outfile: `${outDir}/index.js`,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  legalComments: 'none',
  logLevel: 'warning',
});

const [generated] = generateDtsBundle([{ filePath: entry, output: { noBanner: true } }], {
  preferredConfigPath: `${root}tsconfig.client.json`,
});
if (generated === undefined) throw new Error('no declarations were generated for client/index.ts');
// The request types are inferred from lib/contract's zod schemas, so the declarations name zod's
// types through the `z` namespace, whose import the bundler leaves out.
const ZOD_IMPORT = "import type * as z from 'zod/mini';\n";
const declarations =
  /\bz\.\w/.test(generated) && !generated.includes(ZOD_IMPORT) ? ZOD_IMPORT + generated : generated;
writeFileSync(`${outDir}/index.d.ts`, declarations);
process.stdout.write(`built ${outDir}/index.js and index.d.ts\n`);

#!/usr/bin/env node
// The `cellkernels` command (see `cellkernels --help`): info, run <input>, demo.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(
    'cellkernels: the package is not built (dist/cli.js is missing). In a clone of the repository run\n' +
      '  bash scripts/demo.sh        (installs the toolchain, builds, runs the demo), or\n' +
      '  npm install && npm run build',
  );
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));

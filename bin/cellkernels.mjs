#!/usr/bin/env node
// The `cellkernels` command (see `cellkernels --help`).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// A development checkout (src/ present) runs the TypeScript sources through tsx, so there is no
// build step to forget while working; an installed package or the Docker image runs the tsc build
// in dist/ (`npm run build`), with no compiler at start.
import { existsSync } from 'node:fs';

const sources = new URL('../src/main.ts', import.meta.url);
let runCli;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ runCli } = await import(sources.href));
} else {
  ({ runCli } = await import(new URL('../dist/src/main.js', import.meta.url).href));
}
process.exit(await runCli(process.argv.slice(2), process.env));

// `npm run build`: compiles src/, commands/ and jobs/ with tsc into dist/ (or the directory given)
// and copies what the code reads at run time (SQL migrations, the web console's static files). The bin and the Docker image run
// dist/; a development checkout runs the sources through tsx instead.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? 'dist';
rmSync(out, { recursive: true, force: true });
execFileSync(
  process.execPath,
  ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out],
  {
    stdio: 'inherit',
  },
);
cpSync('src/storage/migrations', join(out, 'src/storage/migrations'), { recursive: true });
// The lab's web console is plain HTML/CSS/JS served from next to its module.
cpSync('src/lab/web/public', join(out, 'src/lab/web/public'), { recursive: true });

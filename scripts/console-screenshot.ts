/**
 * Renders a real console transcript (`npm run local -- --once …` output) to a PNG for the README:
 *   npx tsx scripts/console-screenshot.ts docs/images/console.png "show core1-ams show version" "config history rr1-fra"
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createCanvas } from 'canvas';

const [out = 'docs/images/console.png', ...commands] = process.argv.slice(2);
const lines: string[] = [];
for (const c of commands) {
  const text = execFileSync('bash', ['scripts/local.sh', '--once', c], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'error', PORT: '0' },
  });
  const body = text
    .split('\n')
    .filter((l) => !/^netops-bot \(local\)|monitoring updated/.test(l))
    .map((l) =>
      l
        .replace(/:hourglass_flowing_sand:/g, '⏳')
        .replace(/:arrows_counterclockwise:/g, '↻')
        .replace(/:white_check_mark:/g, '✓')
        .replace(/:x:/g, '✗'),
    );
  lines.push(`#netops> /net ${c}`, ...body.filter((l, i, a) => !(l === '' && a[i - 1] === '')));
}
const clipped = lines.slice(0, 60);
const lineH = 18;
const width = 1000;
const canvas = createCanvas(width, clipped.length * lineH + 30);
const g = canvas.getContext('2d');
g.fillStyle = '#1a1d21';
g.fillRect(0, 0, width, canvas.height);
g.font = '13px "DejaVu Sans Mono"';
clipped.forEach((l, i) => {
  g.fillStyle = l.startsWith('#netops>')
    ? '#7ee787'
    : l.startsWith('[#netops]')
      ? '#79c0ff'
      : l.includes('✓')
        ? '#a5d6a7'
        : '#d1d2d3';
  g.fillText(l.slice(0, 140), 14, 22 + i * lineH);
});
writeFileSync(out, canvas.toBuffer('image/png'));
console.log(`${out}: ${clipped.length} lines`);

import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { consolePage, launchChromium, screenshot, textOf, type, UNTIL } from '../helpers/browser.js';
import { bucketsToM4 } from '../../src/metrics/downsample.js';
import { querySeries, withGaps } from '../../src/metrics/index.js';
import { freshDb, type TestDb } from '../helpers/pg.js';
import { dropPrefix, freshPrefix } from '../helpers/redis.js';

// The README's first command, as a new user runs it, driven from Debian's chromium: the web
// console, the simulated site behind it and the lab scenario (history, a colleague's changes).
let db: TestDb;
let prefix: string;
let child: ChildProcess;
let out = '';
let browser: Browser;
let page: Page;
let errors: string[];
const figures: Record<string, number> = {};

function waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(out);
      if (m) {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve(m);
      }
    };
    const timer = setInterval(check, 100);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`no ${pattern} within ${timeoutMs} ms; output so far:\n${out}`));
    }, timeoutMs);
    check();
  });
}

beforeAll(async () => {
  db = await freshDb('webui');
  prefix = freshPrefix('webui');
  const started = performance.now();
  child = spawn('bash', ['scripts/local.sh'], {
    // stdin closed, as when started from a script: the web console keeps running.
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      NETOPS_QUEUE_PREFIX: prefix,
      PORT: '0',
      LOG_LEVEL: 'error',
      // A colleague every 15 s and an alert every 30 s instead of every few minutes, so the test
      // sees each soon, without piling up (every incident runs diagnostics and renders charts):
      // the first alert (InterfaceSaturated, the one the incident test waits for) ~30 s in, and
      // two or three in the whole file rather than one every 12 s.
      NETOPS_LAB_COLLEAGUE_MINUTES: '0.25',
      NETOPS_LAB_ALERT_MINUTES: '0.5',
    },
  });
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const url = (await waitForOutput(/web console: (http:\/\/127\.0\.0\.1:\d+\/console\/)/, 120_000))[1]!;
  figures.url_printed_s = (performance.now() - started) / 1000;
  browser = await launchChromium();
  ({ page, errors } = await consolePage(browser, url));
  await page.locator('.msg', { hasText: 'monitoring updated' }).waitFor({ timeout: 60_000 });
  figures.console_usable_s = (performance.now() - started) / 1000;
  await waitForOutput(/lab: history ready in/, 180_000);
  figures.history_ready_s = (performance.now() - started) / 1000;
  // Usable as the issue means it: a chart of both weeks answers in the page.
  await type(page, '/net graph core1-ams GigabitEthernet1/0/1 14d');
  await page
    .locator('.msg', { hasText: /GigabitEthernet1\/0\/1, last 14d: in: peak/ })
    .locator('.file-image img')
    .first()
    .waitFor({ timeout: 60_000 });
  figures.two_weeks_chart_s = (performance.now() - started) / 1000;
  figures.load_1m = loadavg()[0]!;
  console.log(`lab figures: ${JSON.stringify(figures)}`);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (child?.pid) {
    // The whole group (bash → node): the script stops its bot, worker and simulated site on SIGTERM.
    process.kill(-child.pid, 'SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(r, 10_000);
      child.once('exit', () => {
        clearTimeout(t);
        r(undefined);
      });
    });
  }
  await db?.drop();
  if (prefix) await dropPrefix(prefix);
}, 60_000);

const chart = (p: Page) =>
  p.locator('.file-image img').evaluateAll((imgs) =>
    imgs.map((i) => ({
      alt: i.getAttribute('alt') ?? '',
      width: (i as unknown as { naturalWidth: number }).naturalWidth,
    })),
  );

it('the two weeks of history are all there, at the density that draws them without false gaps', async () => {
  // The 14-day chart of beforeAll drew from these: samples from 14 days back to the start, never
  // further apart than the chart's gap threshold (three pixel columns: about an hour at 14 days).
  const { rows } = await db.pool.query(
    `SELECT min(t_first) AS first, max(t_last) AS last, sum(n)::int AS n FROM samples_packed
      WHERE device = 'core1-ams' AND ifindex = 1`,
  );
  expect(Date.now() - rows[0].first.getTime()).toBeGreaterThan(13.9 * 86_400_000);
  expect(Date.now() - rows[0].last.getTime()).toBeLessThan(10 * 60_000);
  // What each chart draws, with the gap rule the renderer applies (src/charts/graph.ts).
  const plot = 1070;
  for (const days of [0.25, 1, 2, 3, 4, 7, 14]) {
    for (const metric of ['in_bps', 'in_errors'] as const) {
      const to = Date.now();
      const r = await querySeries(db.pool, {
        device: 'core1-ams',
        ifindex: 1,
        metrics: [metric],
        from: new Date(to - days * 86_400_000),
        to: new Date(to),
        widthPx: plot,
      });
      const points = withGaps(bucketsToM4(r.series[metric] ?? []), Math.max(r.bucketMs * 3, 180_000));
      const gaps = points.filter((p) => Number.isNaN(p.y)).map((p) => new Date(p.x).toISOString());
      expect({ days, metric, resolution: r.resolution, gaps }).toEqual({
        days,
        metric,
        resolution: r.resolution,
        gaps: [],
      });
      expect(to - (r.series[metric]?.[0]?.x0 ?? to)).toBeGreaterThan(days * 86_400_000 * 0.99);
    }
  }
  expect(errors).toEqual([]);
});

it('/net graph core1-ams shows the chart image in the channel', async () => {
  const before = (await chart(page)).filter((c) => c.width > 0).length;
  await type(page, '/net graph core1-ams');
  await expect
    .poll(async () => (await chart(page)).filter((c) => c.width > 0).length, UNTIL)
    .toBe(before + 1);
  // The progress message was edited in place to done.
  await expect
    .poll(() => textOf(page.locator('.msg', { hasText: 'util chart of core1-ams' })), UNTIL)
    .toMatch(/done/);
  // The injected anomaly: the first core's uplink saturated an hour ago, drawn from the history.
  await type(page, '/net graph core1-ams GigabitEthernet1/0/1 6h');
  await expect
    .poll(async () => (await chart(page)).filter((c) => c.width > 0).length, UNTIL)
    .toBe(before + 2);
  await screenshot(page, 'docs/images/web-console.png');
  expect(errors).toEqual([]);
});

it('a mention answers in its thread; the thread opens beside the channel', async () => {
  await type(page, '@netops show core1-ams show version');
  const mention = page.locator('.msg', { hasText: 'show core1-ams show version' }).first();
  await mention.locator('.thread-link').waitFor({ timeout: 30_000 });
  await mention.locator('.thread-link').click();
  await expect
    .poll(() => textOf(page.locator('#thread-messages')), { ...UNTIL, timeout: 60_000 })
    .toMatch(/Cisco IOS XE Software/);
  await screenshot(page, 'docs/images/web-thread.png');
  await page.click('#thread-close');
}, 90_000);

it("a colleague's change on a device arrives in #net-changes as a diff, with the colleague as author", async () => {
  await page.locator('#channels a', { hasText: 'net-changes' }).click();
  await expect
    .poll(() => textOf(page.locator('#messages .msg', { hasText: /dave|erin|frank/ })), {
      ...UNTIL,
      timeout: 90_000,
    })
    .toMatch(/description/);
  await screenshot(page, 'docs/images/web-changes.png');
  await page.locator('#channels a', { hasText: 'netops' }).first().click();
}, 120_000);

it('an alert fired through Alertmanager opens an incident whose thread carries the diagnostics', async () => {
  await page.locator('#channels a', { hasText: 'net-alerts' }).click();
  const incident = page
    .locator('#messages .msg[data-ts]', { hasText: /Incident #\d+: InterfaceSaturated/ })
    .first();
  await incident.locator('.thread-link').waitFor({ timeout: 90_000 });
  await incident.locator('.thread-link').click();
  await expect
    .poll(() => textOf(page.locator('#thread-messages')), { ...UNTIL, timeout: 90_000 })
    .toMatch(/What changed[\s\S]*core1-ams/);
  await expect
    .poll(
      () =>
        page
          .locator('#thread-messages .file-image img')
          .evaluateAll(
            (imgs) => imgs.filter((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0).length,
          ),
      { ...UNTIL, timeout: 90_000 },
    )
    .toBeGreaterThan(0);
  await screenshot(page, 'docs/images/web-incident.png');
  await page.click('#thread-close');
  await page.locator('#channels a', { hasText: 'netops' }).first().click();
}, 240_000);

it('a forged slash command is refused by the bot, and the page says so', async () => {
  const before = await page.locator('#messages .msg').count();
  await page.locator('.lab-tools summary').click();
  await page.check('#forge-signature');
  await type(page, '/net devices');
  await expect
    .poll(() => textOf(page.locator('.notice.refused')), UNTIL)
    .toContain('refused the request (401)');
  await page.waitForTimeout(1_500);
  expect(await page.locator('#messages .msg').count()).toBe(before);
});

it('three engineers in the switcher; private replies are seen only by the one who asked', async () => {
  const options = await page.locator('#user-switcher option').allTextContents();
  expect(options).toHaveLength(3);
  expect(options.join('|')).toMatch(/Alice.*\|Bob.*\|Carol/);
  await page.selectOption('#user-switcher', 'U00000BOB0');
  await type(page, '/net jobs mine');
  await expect
    .poll(() => textOf(page.locator('.msg', { hasText: 'jobs mine' }).last()), UNTIL)
    .toContain('asked by @bob');
  await type(page, '/net grpah core1-ams');
  await expect.poll(() => textOf(page.locator('.msg.ephemeral').last()), UNTIL).toMatch(/graph/);
  await page.selectOption('#user-switcher', 'U0000CAROL');
  await expect.poll(() => page.locator('.msg.ephemeral').count(), UNTIL).toBe(0);
  expect(errors).toEqual([]);
});

// Regression: the lab's colleague (every ~10 s here) could edit core1-ams between the dry run and the
// apply, and the apply rightly refused the changed device as stale; it now leaves devices with an
// open change request alone (devicesUnderChange).
it('a change: Alice (operator) requests it in the modal, Carol (viewer) may not approve, a forged approval is refused, Bob approves, the thread shows the apply', async () => {
  await page.selectOption('#user-switcher', 'U0000ALICE');
  await type(page, '/net change core1-ams');
  const modal = page.locator('form.modal');
  await modal.waitFor({ timeout: 20_000 });
  await modal
    .locator('[data-block-id="lines"] textarea')
    .fill('interface GigabitEthernet1/0/5\n description lab demo change');
  await modal.locator('[data-block-id="reason"] input').fill('label the port for the demo');
  await screenshot(page, 'docs/images/web-change-modal.png');
  await modal.locator('button[type=submit]').click();
  // The card, not the private notes that name the change (ephemerals carry no ts).
  const card = page.locator('#messages .msg[data-ts]', { hasText: /Change CR-\d+/ }).last();
  await expect
    .poll(() => textOf(card), { ...UNTIL, timeout: 60_000 })
    .toMatch(/awaiting approval[\s\S]*description lab demo change/);
  const approve = card.locator('button', { hasText: 'Approve' });

  // Carol's click reaches the bot signed and valid; the bot refuses her, privately.
  await page.selectOption('#user-switcher', 'U0000CAROL');
  await approve.click();
  await expect
    .poll(() => textOf(page.locator('.msg.ephemeral').last()), UNTIL)
    .toMatch(/no role that allows change\.approve|cannot approve|may not approve/i);

  // A forged approval (bad signature) never reaches the approval logic. The page's notices fade
  // after 15 s, so the forged slash command's may or may not still be there: clear them first.
  await page.selectOption('#user-switcher', 'U00000BOB0');
  await page.locator('.notice').evaluateAll((notices) => {
    for (const n of notices) (n as unknown as { remove(): void }).remove();
  });
  await page.check('#forge-signature');
  await approve.click();
  await expect
    .poll(() => textOf(page.locator('.notice.refused')), UNTIL)
    .toContain('refused the request (401)');
  expect(await textOf(card)).toMatch(/awaiting approval/);

  await approve.click();
  await expect.poll(() => textOf(card), { ...UNTIL, timeout: 30_000 }).toMatch(/approved by @bob/);
  await card.locator('.thread-link').click();
  await expect
    .poll(() => textOf(page.locator('#thread-messages')), { ...UNTIL, timeout: 60_000 })
    .toMatch(/core1-ams.*committed/);
  await screenshot(page, 'docs/images/web-change.png');
  expect(errors).toEqual([]);
}, 180_000);

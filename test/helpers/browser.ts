import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

/** Debian's chromium; playwright-core never downloads a browser of its own. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless chromium that stays on this machine: no QUIC, no background or component-update
 * traffic, no sync. Playwright gives every launch a fresh temporary profile (user-data-dir).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page that fails the test on any script error, and keeps the console's log for a failure dump. */
export async function consolePage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('#connection.live', { timeout: 15_000 });
  return { page, errors };
}

/** Screenshots for the README come from the tests, never by hand. */
export async function screenshot(page: Page, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
}

export async function type(page: Page, text: string, selector = '#composer-input'): Promise<void> {
  await page.fill(selector, text);
  await page.press(selector, 'Enter');
}

/** expect.poll options for the page: it updates live, so assertions wait for it. */
export const UNTIL = { timeout: 20_000, interval: 100 };

/** Text of the first match, '' while there is none (for expect.poll). */
export async function textOf(l: Locator): Promise<string> {
  return (
    (await l
      .first()
      .textContent({ timeout: 500 })
      .catch(() => '')) ?? ''
  );
}

export function countOf(l: Locator): Promise<number> {
  return l.count();
}

import { App } from '@slack/bolt';
import { createCanvas } from 'canvas';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSlackEmulator, type SlackEmulator } from '../../src/lab/slack/index.js';
import { attachWebConsole, LAB_USERS } from '../../src/lab/web/index.js';
import { silentLogger } from '../../src/log.js';
import { SigningReceiver } from '../../src/slack/receiver.js';
import { consolePage, launchChromium, screenshot, textOf, type, UNTIL } from '../helpers/browser.js';

// The console against a small Bolt app (the project's own signing receiver) that uses every part of
// Block Kit the bot will: what the page renders, and what it sends back, is checked end to end.
const SECRET = 'web-blocks-secret';
const CHANNEL = 'C00NETOPS0';
let emu: SlackEmulator;
let app: App;
let receiver: SigningReceiver;
let browser: Browser;
let page: Page;
let errors: string[];
const approvals: string[] = [];
const submissions: Array<Record<string, unknown>> = [];

function pngChart(): Buffer {
  const c = createCanvas(480, 200);
  const g = c.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, 480, 200);
  g.strokeStyle = '#1264a3';
  g.lineWidth = 3;
  g.beginPath();
  for (let x = 0; x <= 480; x += 8) g.lineTo(x, 100 + 60 * Math.sin(x / 40));
  g.stroke();
  return c.toBuffer('image/png');
}

// Typed loosely on purpose: Block Kit JSON as a bot sends it, the SDK's unions would only add noise.
const formView = (extra: unknown[] = []): never =>
  ({
    type: 'modal' as const,
    callback_id: 'demo.form',
    title: { type: 'plain_text' as const, text: 'Request a change' },
    submit: { type: 'plain_text' as const, text: 'Submit' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    private_metadata: 'from-the-button',
    blocks: [
      {
        type: 'input',
        block_id: 'device',
        label: { type: 'plain_text', text: 'Device' },
        element: {
          type: 'static_select',
          action_id: 'pick',
          options: ['core1-ams', 'edge1-fra'].map((d) => ({
            text: { type: 'plain_text', text: d },
            value: d,
          })),
        },
      },
      {
        type: 'input',
        block_id: 'lines',
        label: { type: 'plain_text', text: 'Configuration' },
        element: { type: 'plain_text_input', action_id: 'text', multiline: true },
      },
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: 'text' },
      },
      {
        type: 'actions',
        block_id: 'more',
        elements: [
          { type: 'button', action_id: 'demo.more', text: { type: 'plain_text', text: 'Add a window' } },
        ],
      },
      ...extra,
    ],
  }) as never;

beforeAll(async () => {
  emu = await createSlackEmulator({ signingSecret: SECRET, users: LAB_USERS });
  attachWebConsole({ emu, command: '/net', users: LAB_USERS });
  receiver = new SigningReceiver({ signingSecret: SECRET, port: 0, host: '127.0.0.1', log: silentLogger });
  app = new App({ token: 'xoxb-web', receiver, clientOptions: { slackApiUrl: emu.apiUrl } });
  app.action('demo.approve', async ({ ack, body, client }) => {
    await ack();
    approvals.push(body.user.id);
    await client.chat.postMessage({ channel: CHANNEL, text: `approved by <@${body.user.id}>` });
  });
  app.action('demo.open', async ({ ack, body, client }) => {
    await ack();
    await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: formView() });
  });
  app.action('demo.more', async ({ ack, body, client }) => {
    await ack();
    const view = (body as { view: { id: string; hash: string } }).view;
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: formView([
        {
          type: 'input',
          block_id: 'window',
          label: { type: 'plain_text', text: 'Window' },
          element: { type: 'datepicker', action_id: 'date', initial_date: '2026-12-01' },
        },
      ]),
    });
  });
  app.view('demo.form', async ({ ack, body, view }) => {
    const v = view.state.values;
    if (!v.lines?.text?.value) {
      await ack({ response_action: 'errors', errors: { lines: 'Type the lines to apply' } });
      return;
    }
    await ack();
    submissions.push({ user: body.user.id, values: v, meta: view.private_metadata });
  });
  await app.start();
  emu.setBotUrl(`http://127.0.0.1:${receiver.port}`);

  const png = await app.client.files.uploadV2({
    channel_id: CHANNEL,
    file: pngChart(),
    filename: 'wave.png',
    title: 'wave.png',
    alt_text: 'a wave',
  });
  const uploaded = (png as unknown as { files: Array<{ files: Array<{ url_private: string }> }> }).files[0]!
    .files[0]!;
  await app.client.files.uploadV2({
    channel_id: CHANNEL,
    content: 'hostname core1-ams\ninterface GigabitEthernet1/0/1\n description uplink\n',
    filename: 'core1-ams.txt',
    title: 'core1-ams.txt',
  });
  await app.client.chat.postMessage({
    channel: CHANNEL,
    text: 'Change request CR-7 for core1-ams',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Change request CR-7' } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*core1-ams*: raise the MTU on the uplink, asked by <@U0000ALICE>' },
        fields: [
          { type: 'mrkdwn', text: '*Risk*\nlow' },
          { type: 'mrkdwn', text: '*Window*\n`now`' },
        ],
        accessory: {
          type: 'button',
          action_id: 'demo.open',
          text: { type: 'plain_text', text: 'Edit…' },
        },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '```interface GigabitEthernet1/0/1\n mtu 9000```' },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: ':hourglass_flowing_sand: waiting for approval' }],
      },
      { type: 'divider' },
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              { type: 'text', text: 'Checks: ', style: { bold: true } },
              { type: 'user', user_id: 'U00000BOB0' },
              { type: 'text', text: ' reviews, see ' },
              { type: 'link', url: 'https://example.com/runbook', text: 'the runbook' },
              { type: 'text', text: ' ' },
              { type: 'link', url: 'javascript:alert(1)', text: 'not a link' },
            ],
          },
          {
            type: 'rich_text_list',
            style: 'bullet',
            elements: [
              { type: 'rich_text_section', elements: [{ type: 'text', text: 'BGP sessions stay up' }] },
              { type: 'rich_text_section', elements: [{ type: 'text', text: 'no CRC errors' }] },
            ],
          },
          { type: 'rich_text_preformatted', elements: [{ type: 'text', text: 'show ip bgp summary' }] },
        ],
      },
      { type: 'image', image_url: uploaded.url_private, alt_text: 'traffic before the change' },
      {
        type: 'actions',
        block_id: 'decide',
        elements: [
          {
            type: 'button',
            action_id: 'demo.approve',
            style: 'primary',
            value: 'CR-7',
            text: { type: 'plain_text', text: 'Approve' },
          },
          {
            type: 'button',
            action_id: 'demo.reject',
            style: 'danger',
            value: 'CR-7',
            text: { type: 'plain_text', text: 'Reject' },
          },
        ],
      },
    ],
  });
  browser = await launchChromium();
  ({ page, errors } = await consolePage(browser, `${emu.url}console/?user=U0000ALICE`));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop().catch(() => {});
  await emu?.close();
});

it('renders Block Kit: header, section fields and accessory, code, context, divider, rich text, image, buttons; files', async () => {
  const card = page.locator('.msg', { hasText: 'Change request CR-7' });
  await expect.poll(() => textOf(card.locator('.block-header')), UNTIL).toBe('Change request CR-7');
  await expect.poll(() => textOf(card.locator('.fields')), UNTIL).toContain('Risk');
  await expect.poll(() => textOf(card.locator('.accessory button')), UNTIL).toBe('Edit…');
  await expect.poll(() => textOf(card.locator('pre.code').first()), UNTIL).toContain('mtu 9000');
  await expect.poll(() => textOf(card.locator('.block-context')), UNTIL).toContain('waiting for approval');
  await expect.poll(() => card.locator('hr.block-divider').count(), UNTIL).toBe(1);
  await expect.poll(() => card.locator('.rich li').count(), UNTIL).toBe(2);
  await expect.poll(() => textOf(card.locator('.rich .mention')), UNTIL).toBe('@bob');
  expect(await card.locator('.rich a').getAttribute('href')).toBe('https://example.com/runbook');
  // A javascript: URL in a message stays text.
  expect(await card.locator('a[href^="javascript"]').count()).toBe(0);
  expect(await textOf(card.locator('.rich'))).toContain('not a link');
  await expect.poll(() => textOf(card.locator('button.btn.primary')), UNTIL).toBe('Approve');
  await expect.poll(() => textOf(card.locator('button.btn.danger')), UNTIL).toBe('Reject');
  // Images really load (naturalWidth > 0), inline from the emulator's file store.
  const widths = await page
    .locator('.block-image img, .file-image img')
    .evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
  expect(widths).toEqual([480, 480]);
  // A text file is shown collapsed and opens to its content.
  const file = page.locator('details.file', { hasText: 'core1-ams.txt' });
  await file.locator('summary').click();
  await expect.poll(() => textOf(file.locator('pre')), UNTIL).toContain('description uplink');
  await screenshot(page, 'docs/images/web-blocks.png');
  expect(errors).toEqual([]);
});

it('a forged click is refused by the bot and the page says so; the honest click goes through', async () => {
  await page.locator('.lab-tools summary').click();
  await page.check('#forge-signature');
  await page.locator('button', { hasText: 'Approve' }).click();
  await expect
    .poll(() => textOf(page.locator('.notice.refused')), UNTIL)
    .toContain('refused the request (401)');
  expect(approvals).toEqual([]);
  // The forge box is for one request only.
  expect(await page.locator('#forge-signature').isChecked()).toBe(false);
  await page.selectOption('#user-switcher', 'U00000BOB0');
  await page.locator('button', { hasText: 'Approve' }).click();
  await expect
    .poll(() => textOf(page.locator('.msg', { hasText: 'approved by' }).last()), UNTIL)
    .toContain('approved by @bob');
  expect(approvals).toEqual(['U00000BOB0']);
});

it('a button opens a modal (views.open), a button in it updates it (views.update), submit errors then succeeds', async () => {
  await page.selectOption('#user-switcher', 'U0000ALICE');
  await page.locator('button', { hasText: 'Edit…' }).click();
  const modal = page.locator('form.modal');
  await expect.poll(() => textOf(modal.locator('header')), UNTIL).toContain('Request a change');
  await modal.locator('[data-block-id="device"] select').selectOption('edge1-fra');
  await modal.locator('button', { hasText: 'Add a window' }).click();
  await expect
    .poll(
      () =>
        modal
          .locator('[data-block-id="window"] input[type=date]')
          .inputValue({ timeout: 500 })
          .catch(() => ''),
      UNTIL,
    )
    .toBe('2026-12-01');
  // Empty required text: the app answers response_action=errors and the modal stays open.
  await modal.locator('button[type=submit]').click();
  await expect
    .poll(() => textOf(modal.locator('[data-block-id="lines"] .error')), UNTIL)
    .toBe('Type the lines to apply');
  await modal.locator('[data-block-id="device"] select').selectOption('edge1-fra');
  await modal.locator('[data-block-id="lines"] textarea').fill('set interfaces ge-0/0/1 mtu 9000');
  await modal.locator('[data-block-id="reason"] input').fill('jumbo frames');
  await screenshot(page, 'docs/images/web-modal.png');
  await modal.locator('button[type=submit]').click();
  await expect.poll(() => page.locator('#modal-layer').isHidden(), UNTIL).toBe(true);
  expect(submissions).toHaveLength(1);
  expect(submissions[0]).toMatchObject({
    user: 'U0000ALICE',
    meta: 'from-the-button',
    values: {
      device: { pick: { type: 'static_select', selected_option: { value: 'edge1-fra' } } },
      lines: { text: { type: 'plain_text_input', value: 'set interfaces ge-0/0/1 mtu 9000' } },
      reason: { text: { value: 'jumbo frames' } },
      window: { date: { type: 'datepicker', selected_date: '2026-12-01' } },
    },
  });
});

it('people can talk in a thread; a message from another user shows under their name', async () => {
  await type(page, 'looking at the uplink now');
  const mine = page.locator('.msg', { hasText: 'looking at the uplink now' });
  await expect.poll(() => textOf(mine.locator('.name')), UNTIL).toBe('alice');
  const ts = await mine.getAttribute('data-ts');
  // A reply in the thread from the API side shows up live, with a reply count on the parent.
  await app.client.chat.postMessage({ channel: CHANNEL, thread_ts: ts!, text: 'thanks, *noted*' });
  await mine.locator('.thread-link').click();
  await expect.poll(() => textOf(page.locator('#thread-messages')), UNTIL).toContain('thanks, noted');
  await expect.poll(() => textOf(page.locator('#thread-messages b')), UNTIL).toBe('noted');
  await type(page, '/net help', '#thread-input');
  await expect
    .poll(() => textOf(page.locator('.notice').last()), UNTIL)
    .toContain('does not run slash commands in threads');
  expect(errors).toEqual([]);
});

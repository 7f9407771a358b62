import type { DiscoveryResult } from './discover.js';

/** Slack blocks: one section per proposal with an Add button (action `discover.add`, value = the device JSON). */
export function proposalBlocks(r: DiscoveryResult, target: string): unknown[] {
  const blocks: unknown[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: r.proposals.length
          ? `*Discovery of \`${target}\`*: ${r.proposals.length} new device(s) (${r.probed} probed)`
          : `*Discovery of \`${target}\`*: nothing new (${r.probed} probed)`,
      },
    },
  ];
  for (const p of r.proposals.slice(0, 40)) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${p.device.name}* \`${p.device.host}\` · ${p.device.vendor}\n${p.probe.sysDescr.slice(0, 150)}\n_${p.via}_`,
      },
      accessory: {
        type: 'button',
        action_id: 'discover.add',
        text: { type: 'plain_text', text: 'Add' },
        value: JSON.stringify(p.device),
        style: 'primary',
      },
    });
  }
  if (r.skipped.length) {
    const lines = r.skipped.slice(0, 15).map((s) => `• ${s.what}: ${s.reason}`);
    if (r.skipped.length > 15) lines.push(`• …and ${r.skipped.length - 15} more`);
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: lines.join('\n') }] });
  }
  return blocks;
}

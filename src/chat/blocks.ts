import { SLACK_LIMITS, clip } from './limits.js';

export type Block = Record<string, unknown>;

export function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, SLACK_LIMITS.sectionText) } };
}

export function context(text: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, SLACK_LIMITS.sectionText) }] };
}

/** Splits long mrkdwn into as many sections as needed, at line boundaries. */
export function sections(text: string): Block[] {
  const out: Block[] = [];
  let rest = text;
  while (rest.length > SLACK_LIMITS.sectionText) {
    const cut = rest.lastIndexOf('\n', SLACK_LIMITS.sectionText);
    const at = cut > 0 ? cut : SLACK_LIMITS.sectionText;
    out.push(section(rest.slice(0, at)));
    rest = rest.slice(at).replace(/^\n/, '');
  }
  if (rest.length) out.push(section(rest));
  return out;
}

/** Enforces the 50-block limit, replacing the overflow by a note. */
export function capBlocks(blocks: readonly unknown[]): unknown[] {
  if (blocks.length <= SLACK_LIMITS.blocksPerMessage) return [...blocks];
  const kept = blocks.slice(0, SLACK_LIMITS.blocksPerMessage - 1);
  kept.push(context(`…${blocks.length - kept.length} more blocks not shown`));
  return kept;
}

/** Slack's limits that bite in practice (docs: Block Kit reference, chat.postMessage). */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3_000,
  messageText: 40_000,
  /** Longest code block we inline before sending a file instead; walls of text help no one. */
  inlineCodeChars: 2_800,
  inlineCodeLines: 40,
} as const;

/** Cuts text to `max` characters at a line boundary where possible, marking the cut. */
export function clip(text: string, max: number, marker = '\n…'): string {
  if (text.length <= max) return text;
  const room = max - marker.length;
  const nl = text.lastIndexOf('\n', room);
  return text.slice(0, nl > room * 0.6 ? nl : room) + marker;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A code block that cannot be broken out of by backticks in device output. */
export function codeBlock(text: string): string {
  return '```\n' + escapeMrkdwn(text.replace(/```/g, '``\u200b`')) + '\n```';
}

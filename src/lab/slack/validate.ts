/**
 * The checks real Slack makes on a message before accepting it, limited to the ones that are
 * cheap and that a bot can plausibly trip (long command output, big tables as blocks).
 * Limits are data so they are easy to check against Slack's block reference.
 */
export const LIMITS = {
  messageText: 40_000,
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  blockId: 255,
  imageAltText: 2000,
} as const;

export const KNOWN_BLOCK_TYPES = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'rich_text',
  'section',
  'video',
  'markdown',
  'table',
]);

export type SlackErrorResult = { ok: false; error: string; errors?: string[] };

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function textOf(v: unknown): string | undefined {
  return isObj(v) && typeof v.text === 'string' ? v.text : undefined;
}

/** Problems in one block, as Slack words them: a message and a JSON pointer. */
function blockProblems(block: unknown, i: number): string[] {
  const at = `/blocks/${i}`;
  if (!isObj(block)) return [`must be an object [json-pointer:${at}]`];
  const type = block.type;
  if (typeof type !== 'string' || !KNOWN_BLOCK_TYPES.has(type)) {
    return [`unsupported type: ${String(type)} [json-pointer:${at}/type]`];
  }
  const out: string[] = [];
  if (typeof block.block_id === 'string' && block.block_id.length > LIMITS.blockId) {
    out.push(`must be at most ${LIMITS.blockId} characters [json-pointer:${at}/block_id]`);
  }
  const tooLong = (text: string | undefined, max: number, ptr: string) => {
    if (text !== undefined && text.length > max) {
      out.push(`must be less than ${max + 1} characters [json-pointer:${at}${ptr}]`);
    }
  };
  switch (type) {
    case 'section': {
      const fields = block.fields;
      if (block.text === undefined && !Array.isArray(fields)) {
        out.push(`must provide either text or fields [json-pointer:${at}]`);
      }
      if (block.text !== undefined && textOf(block.text) === undefined) {
        out.push(`must be a text object [json-pointer:${at}/text]`);
      }
      tooLong(textOf(block.text), LIMITS.sectionText, '/text/text');
      if (Array.isArray(fields)) {
        if (fields.length > LIMITS.sectionFields) {
          out.push(`must have at most ${LIMITS.sectionFields} items [json-pointer:${at}/fields]`);
        }
        fields.forEach((f, j) => {
          tooLong(textOf(f), LIMITS.sectionFieldText, `/fields/${j}/text`);
        });
      }
      break;
    }
    case 'header':
      if (textOf(block.text) === undefined) out.push(`missing text [json-pointer:${at}/text]`);
      tooLong(textOf(block.text), LIMITS.headerText, '/text/text');
      break;
    case 'context':
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        out.push(`must have at least 1 element [json-pointer:${at}/elements]`);
      } else if (block.elements.length > LIMITS.contextElements) {
        out.push(`must have at most ${LIMITS.contextElements} items [json-pointer:${at}/elements]`);
      }
      break;
    case 'actions':
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        out.push(`must have at least 1 element [json-pointer:${at}/elements]`);
      } else {
        if (block.elements.length > LIMITS.actionsElements) {
          out.push(`must have at most ${LIMITS.actionsElements} items [json-pointer:${at}/elements]`);
        }
        block.elements.forEach((el, j) => {
          if (isObj(el) && el.type === 'button') {
            tooLong(textOf(el.text), LIMITS.buttonText, `/elements/${j}/text/text`);
          }
        });
      }
      break;
    case 'image':
      if (typeof block.image_url !== 'string' && !isObj(block.slack_file)) {
        out.push(`missing image_url [json-pointer:${at}/image_url]`);
      }
      if (typeof block.alt_text !== 'string') out.push(`missing alt_text [json-pointer:${at}/alt_text]`);
      else tooLong(block.alt_text, LIMITS.imageAltText, '/alt_text');
      break;
    default:
      break;
  }
  return out;
}

/**
 * Validates `blocks` as given to chat.postMessage/update/postEphemeral: a JSON string
 * (form-encoded call) or an array (JSON call). Returns the error result, or undefined when fine.
 */
export function validateBlocks(blocks: unknown): SlackErrorResult | undefined {
  if (blocks === undefined) return undefined;
  if (typeof blocks === 'string') return { ok: false, error: 'invalid_blocks_format' };
  if (!Array.isArray(blocks)) return { ok: false, error: 'invalid_blocks_format' };
  const errors: string[] = [];
  if (blocks.length > LIMITS.blocksPerMessage) {
    errors.push(`no more than ${LIMITS.blocksPerMessage} items allowed [json-pointer:/blocks]`);
  }
  blocks.forEach((b, i) => {
    errors.push(...blockProblems(b, i));
  });
  return errors.length > 0 ? { ok: false, error: 'invalid_blocks', errors } : undefined;
}

/** Text + blocks checks shared by the chat.* methods. */
export function validateMessage(args: {
  text?: unknown;
  blocks?: unknown;
  attachments?: unknown;
}): SlackErrorResult | undefined {
  const text = typeof args.text === 'string' ? args.text : undefined;
  if (text !== undefined && text.length > LIMITS.messageText) return { ok: false, error: 'msg_too_long' };
  const blockError = validateBlocks(args.blocks);
  if (blockError) return blockError;
  const hasBlocks = Array.isArray(args.blocks) && args.blocks.length > 0;
  if (!text && !hasBlocks && args.attachments === undefined) return { ok: false, error: 'no_text' };
  return undefined;
}

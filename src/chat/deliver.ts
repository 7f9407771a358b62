import { capBlocks, sections } from './blocks.js';
import { SLACK_LIMITS, codeBlock } from './limits.js';
import type { Destination, FileUpload, JobOrigin, JobResult, Responder } from './types.js';

function fitsInline(content: string): boolean {
  return (
    content.length <= SLACK_LIMITS.inlineCodeChars &&
    content.split('\n').length <= SLACK_LIMITS.inlineCodeLines
  );
}

/**
 * Posts a job's result where the request came from. Short output inline; long output as a file,
 * never a truncated wall of text. Ephemeral requests get an ephemeral reply (files cannot be
 * ephemeral, so a long private result is summarised and the file goes to the user's DM).
 */
export async function deliverResult(
  responder: Responder,
  origin: JobOrigin,
  result: JobResult,
): Promise<void> {
  const dest: Destination = {
    channel: origin.channel,
    ...(origin.threadTs ? { threadTs: origin.threadTs } : {}),
  };
  const files: FileUpload[] = [...(result.files ?? [])];
  const blocks: unknown[] = [...(result.blocks ?? [])];
  const textParts: string[] = [];

  if (result.text) {
    if (result.text.length <= SLACK_LIMITS.sectionText * 4) blocks.push(...sections(result.text));
    else files.push({ filename: 'result.txt', content: result.text, title: result.summary });
  }
  if (result.code) {
    if (fitsInline(result.code.content)) blocks.push(...sections(codeBlock(result.code.content)));
    else {
      files.push({
        filename: result.code.filename,
        content: result.code.content,
        title: result.code.filename,
      });
      textParts.push(
        `Output is ${result.code.content.split('\n').length} lines, attached as \`${result.code.filename}\`.`,
      );
    }
  }
  if (textParts.length) blocks.push(...sections(textParts.join('\n')));

  const fallback = result.summary;
  if (blocks.length) {
    const message = { text: fallback, blocks: capBlocks(blocks) };
    if (origin.ephemeral && origin.userId) await responder.ephemeral(dest, origin.userId, message);
    else await responder.post(dest, message);
  }
  if (files.length) {
    const target = origin.ephemeral && origin.userId ? { channel: origin.userId } : dest;
    await responder.upload(
      target,
      files.map((f, i) =>
        i === 0 && !blocks.length && !f.initialComment ? { ...f, initialComment: fallback } : f,
      ),
    );
  }
}

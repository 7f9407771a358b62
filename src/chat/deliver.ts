import { capBlocks, sections } from './blocks.js';
import { SLACK_LIMITS, codeBlock } from './limits.js';
import type {
  DeliveryLedger,
  Destination,
  FileUpload,
  JobOrigin,
  JobResult,
  PartRecord,
  Responder,
} from './types.js';

export type { DeliveryLedger, PartRecord } from './types.js';

function fitsInline(content: string): boolean {
  return (
    content.length <= SLACK_LIMITS.inlineCodeChars &&
    content.split('\n').length <= SLACK_LIMITS.inlineCodeLines
  );
}

/** Send times kept per part: the last few tries are all a retry needs to look around. */
const MAX_SENDS = 8;

/**
 * Runs one part at most once in effect: skipped when done, looked up when an earlier attempt
 * started it and may have posted, recorded as started before and done after. Each send to Slack
 * is recorded (awaited) before it goes out, so a retry looks for the post only in a bounded window
 * after each recorded send, however busy the channel has been since.
 */
export async function onceOnly(
  ledger: DeliveryLedger | undefined,
  part: string,
  post: (prior: {
    startedAt: number;
    maybePostedSince?: number;
    maybePostedAt?: number[];
    beforeSend?: () => Promise<void>;
    fileIds?: string[];
    key?: string;
  }) => Promise<string | undefined>,
): Promise<void> {
  if (!ledger) {
    await post({ startedAt: Date.now() });
    return;
  }
  const prior = await ledger.get(part);
  if (prior?.state === 'done') return;
  const earlier = prior?.state === 'started' ? prior : undefined;
  let record: PartRecord & { state: 'started' } = earlier ?? { state: 'started', at: Date.now() };
  // Written before every try, not only the first: the ledger may refuse it (another attempt owns
  // the job now), and then this one must not post.
  await ledger.set(part, record);
  const ts = await post({
    startedAt: record.at,
    key: ledger.key(part),
    ...(earlier
      ? earlier.sends
        ? { maybePostedAt: earlier.sends }
        : // Recorded before sends were: only the start is known, so look from there on.
          { maybePostedSince: earlier.at }
      : {}),
    ...(earlier?.fileIds ? { fileIds: earlier.fileIds } : {}),
    beforeSend: async () => {
      record = { ...record, sends: [...(record.sends ?? []), Date.now()].slice(-MAX_SENDS) };
      await ledger.set(part, record);
    },
  });
  await ledger.set(part, { state: 'done', ...(ts ? { ts } : {}) });
}

/**
 * Posts a job's result where the request came from. Short output inline; long output as a file,
 * never a truncated wall of text. Ephemeral requests get an ephemeral reply (files cannot be
 * ephemeral, so a long private result is summarised and the file goes to the user's DM).
 * With a ledger, a retry of the same job (after a crash anywhere in here) posts each part once.
 */
export async function deliverResult(
  responder: Responder,
  origin: JobOrigin,
  result: JobResult,
  ledger?: DeliveryLedger,
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
    await onceOnly(ledger, 'result', async (prior) => {
      // Ephemeral replies cannot be looked up: one interrupted mid-call may show twice.
      if (origin.ephemeral && origin.userId) {
        await responder.ephemeral(dest, origin.userId, message);
        return undefined;
      }
      const { ts } = await responder.post(dest, message, {
        ...(prior.key ? { key: prior.key } : {}),
        ...(prior.maybePostedSince !== undefined ? { maybePostedSince: prior.maybePostedSince } : {}),
        ...(prior.maybePostedAt ? { maybePostedAt: prior.maybePostedAt } : {}),
        ...(prior.beforeSend ? { beforeSend: prior.beforeSend } : {}),
      });
      return ts;
    });
  }
  if (files.length) {
    const target = origin.ephemeral && origin.userId ? { channel: origin.userId } : dest;
    await onceOnly(ledger, 'files', async (prior) => {
      await responder.upload(
        target,
        files.map((f, i) =>
          i === 0 && !blocks.length && !f.initialComment ? { ...f, initialComment: fallback } : f,
        ),
        {
          ...(prior.fileIds ? { staged: prior.fileIds } : {}),
          ...(ledger
            ? {
                onStaged: (fileIds: string[]) =>
                  ledger.set('files', { state: 'started', at: prior.startedAt, fileIds }),
              }
            : {}),
        },
      );
      return undefined;
    });
  }
}

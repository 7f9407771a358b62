import { deliverResult } from './deliver.js';
import { progressMessage } from './progress.js';
import type { Destination, JobOrigin, JobPoster, Responder } from './types.js';

const where = (origin: JobOrigin): Destination => ({
  channel: origin.channel,
  ...(origin.threadTs ? { threadTs: origin.threadTs } : {}),
});

/** The job poster over any Responder: progress as an edited Block Kit message, results inline or as files. */
export function createJobPoster(responder: Responder): JobPoster {
  return {
    progress: (origin, info) =>
      responder.update({ ...where(origin), ts: origin.messageTs }, progressMessage(info)),
    result: (origin, result, ledger) => deliverResult(responder, origin, result, ledger),
    say: (origin, message, options) => responder.post(where(origin), message, options),
  };
}

import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** What every job carries besides its own payload: where the request came from. */
export const originSchema = z
  .object({
    channel: z.string(),
    threadTs: z.string().optional(),
    messageTs: z.string().optional(),
    userId: z.string().optional(),
    /** Older jobs name their audit row; newer ones say only that one exists (keyed by job id). */
    auditId: z.string().optional(),
    audited: z.boolean().optional(),
    ephemeral: z.boolean().optional(),
  })
  .strict();

export const envelopeSchema = z.object({
  payload: z.unknown(),
  origin: originSchema.optional(),
  enqueuedAt: z.number(),
});

export type Envelope = z.infer<typeof envelopeSchema>;

/** Short ids people can read aloud on a call: `j-` + 8 hex characters. */
export function newJobId(): string {
  return `j-${randomBytes(4).toString('hex')}`;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBody } from '../../../src/lab/slack/body.js';

/** Encodes with the platform's own FormData (what @slack/web-api sends), so the parser meets real input. */
async function encode(fields: Record<string, string>, file?: { name: string; data: Uint8Array }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('file', new Blob([file.data]), file.name);
  const res = new Response(form);
  return { type: res.headers.get('content-type')!, raw: Buffer.from(await res.arrayBuffer()) };
}

describe('request body parsing', () => {
  it('round-trips multipart fields and binary file bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Plain fields only: names the parser decodes as JSON (blocks, files, view…) have their own
        // test, and FormData normalises bare CR/LF in values to CRLF by specification.
        fc.dictionary(
          fc
            .stringMatching(/^[a-z_]{1,12}$/)
            .filter(
              (k) =>
                !['blocks', 'files', 'view', 'attachments', 'metadata', 'token', '__proto__'].includes(k),
            ),
          fc.string().filter((v) => !/[\r\n]/.test(v)),
        ),
        fc.uint8Array({ maxLength: 4096 }),
        async (fields, bytes) => {
          const { type, raw } = await encode(fields, { name: 'chart.png', data: bytes });
          const parsed = parseBody(type, raw);
          expect(parsed.kind).toBe('multipart');
          expect(parsed.files).toHaveLength(1);
          expect(parsed.files[0]!.filename).toBe('chart.png');
          expect(Buffer.compare(parsed.files[0]!.data, Buffer.from(bytes))).toBe(0);
          expect(parsed.fields).toEqual(fields);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('decodes JSON-valued form fields (blocks, files, view) and keeps others as strings', () => {
    const blocks = [{ type: 'divider' }];
    const raw = Buffer.from(
      new URLSearchParams({ channel: 'C1', blocks: JSON.stringify(blocks), text: '[not json' }).toString(),
    );
    const parsed = parseBody('application/x-www-form-urlencoded', raw);
    expect(parsed.fields).toEqual({ channel: 'C1', blocks, text: '[not json' });
    expect(
      parseBody('application/x-www-form-urlencoded', Buffer.from('blocks=%5Bbroken')).fields.blocks,
    ).toBe('[broken');
  });

  it('reads JSON bodies and tolerates an empty body', () => {
    expect(parseBody('application/json; charset=utf-8', Buffer.from('{"a":[1]}')).fields).toEqual({ a: [1] });
    expect(parseBody(undefined, Buffer.alloc(0))).toEqual({ fields: {}, files: [], kind: 'empty' });
  });
});

/** One part of a multipart/form-data body. */
export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** A request body as the Web API sees it: plain fields, plus any file parts. */
export interface ParsedBody {
  fields: Record<string, unknown>;
  files: MultipartPart[];
  kind: 'json' | 'form' | 'multipart' | 'empty' | 'raw';
}

/**
 * Fields that Slack accepts as JSON text inside form-encoded calls (the SDK serialises arrays and
 * objects this way). Decoded so recorded calls and handlers see structure, not strings.
 */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'files', 'view', 'metadata']);

export function decodeJsonFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fields };
  for (const key of Object.keys(out)) {
    const v = out[key];
    if (JSON_FIELDS.has(key) && typeof v === 'string') {
      try {
        out[key] = JSON.parse(v);
      } catch {
        // Left as a string: the method handler reports invalid_blocks_format / invalid_arguments.
      }
    }
  }
  return out;
}

export function parseBody(contentType: string | undefined, raw: Buffer): ParsedBody {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (raw.length === 0) return { fields: {}, files: [], kind: 'empty' };
  if (type === 'application/json') {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    const fields = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
    return { fields: fields as Record<string, unknown>, files: [], kind: 'json' };
  }
  if (type === 'application/x-www-form-urlencoded') {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) fields[k] = v;
    return { fields: decodeJsonFields(fields), files: [], kind: 'form' };
  }
  if (type === 'multipart/form-data') {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
    const b = boundary?.[1] ?? boundary?.[2];
    if (!b) throw new Error('multipart body without a boundary');
    const parts = parseMultipart(raw, b.trim());
    const fields: Record<string, unknown> = {};
    const files: MultipartPart[] = [];
    for (const p of parts) {
      if (p.filename !== undefined) files.push(p);
      else fields[p.name] = p.data.toString('utf8');
    }
    return { fields: decodeJsonFields(fields), files, kind: 'multipart' };
  }
  return { fields: {}, files: [], kind: 'raw' };
}

/** RFC 7578 multipart/form-data. Binary-safe: parts are sliced from the buffer, never decoded. */
export function parseMultipart(raw: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = raw.indexOf(delimiter);
  if (pos < 0) throw new Error('multipart boundary not found');
  for (;;) {
    pos += delimiter.length;
    // "--" after a delimiter closes the body.
    if (raw[pos] === 0x2d && raw[pos + 1] === 0x2d) break;
    if (raw[pos] === 0x0d && raw[pos + 1] === 0x0a) pos += 2;
    const headerEnd = raw.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new Error('multipart part without headers');
    const headers = parsePartHeaders(raw.subarray(pos, headerEnd).toString('utf8'));
    const dataStart = headerEnd + 4;
    const next = raw.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), dataStart);
    if (next < 0) throw new Error('multipart part not terminated');
    const disposition = headers['content-disposition'] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const part: MultipartPart = { name, data: Buffer.from(raw.subarray(dataStart, next)) };
    if (filename !== undefined) part.filename = filename;
    if (headers['content-type']) part.contentType = headers['content-type'];
    parts.push(part);
    pos = next + 2;
  }
  return parts;
}

function parsePartHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

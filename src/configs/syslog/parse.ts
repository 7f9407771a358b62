/**
 * Syslog datagrams (RFC 5424 and the looser RFC 3164 / Cisco forms) → fields. Pure.
 * Network devices bend RFC 3164 freely (`<189>123: *Nov 25 10:00:00.123: %SYS-5-…`, no hostname,
 * sequence numbers, `host process[pid]:`), so this extracts what it can and keeps the whole text:
 * the config-change recognisers look for their mnemonic anywhere in it.
 */
export interface SyslogMessage {
  facility?: number;
  severity?: number;
  hostname?: string;
  app?: string;
  /** RFC 5424 MSGID (Junos puts the event name, e.g. UI_COMMIT, there). */
  msgId?: string;
  /** RFC 5424 structured data, raw. */
  structured?: string;
  /** The free text after the header. */
  message: string;
  /** Everything after <PRI>, for recognisers that do not care about the header. */
  text: string;
}

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';
const BSD_TIME = new RegExp(
  `^\\*?(?:${MONTHS}) +\\d{1,2}(?: \\d{4})? \\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?: [A-Z]{2,5})?:? `,
);
const HOSTNAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function parseSyslog(datagram: string): SyslogMessage | undefined {
  const raw = datagram.replace(/[\r\n\0]+$/g, '');
  const pri = /^<(\d{1,3})>/.exec(raw);
  if (!pri) return undefined;
  const p = Number(pri[1]);
  if (p > 191) return undefined;
  const text = raw.slice(pri[0].length);
  const base = { facility: p >> 3, severity: p & 7, text };

  // RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
  const r5424 =
    /^1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\"]|\\.|"(?:[^"\\]|\\.)*")*\])+)(?: (.*))?$/s.exec(
      text,
    );
  if (r5424) {
    const nil = (s: string | undefined) => (s === undefined || s === '-' ? undefined : s);
    const out: SyslogMessage = { ...base, message: (r5424[7] ?? '').replace(/^\uFEFF/, '') };
    const host = nil(r5424[2]);
    const app = nil(r5424[3]);
    const msgId = nil(r5424[5]);
    const sd = nil(r5424[6]);
    if (host) out.hostname = host;
    if (app) out.app = app;
    if (msgId) out.msgId = msgId;
    if (sd) out.structured = sd;
    return out;
  }

  // RFC 3164-ish: [seq:] [timestamp] [hostname[:]] [tag[pid]:] message
  let rest = text.replace(/^\d+: /, '');
  const t = BSD_TIME.exec(rest);
  if (t) rest = rest.slice(t[0].length);
  const out: SyslogMessage = { ...base, message: rest };
  const first = /^(\S+?):? (.*)$/s.exec(rest);
  if (first && !first[1]!.startsWith('%') && HOSTNAME.test(first[1]!)) {
    // Cisco with `logging origin-id hostname` prints "host: %SYS-…"; BSD prints "host tag[pid]: msg".
    const afterHost = first[2]!;
    const second = /^([\w./-]+)(?:\[(\d+)\])?: (.*)$/s.exec(afterHost);
    if (t || second || afterHost.startsWith('%') || BSD_TIME.test(afterHost)) {
      out.hostname = first[1]!;
      let msg = afterHost.replace(BSD_TIME, '');
      const tag = /^([\w./-]+)(?:\[(\d+)\])?: (.*)$/s.exec(msg);
      if (tag && !tag[1]!.startsWith('%')) {
        out.app = tag[1]!;
        msg = tag[3]!;
      }
      out.message = msg;
    }
  }
  return out;
}

import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { SampleRow } from './store.js';

// Device names are checked by the config schema; escape COPY's specials anyway.
const COPY_SPECIAL = /[\\\t\n\r]/;
const copyText = (v: string): string =>
  COPY_SPECIAL.test(v)
    ? v.replace(/[\\\t\n\r]/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\\\'))
    : v;
const copyNum = (v: number | null): string => (v === null || !Number.isFinite(v) ? '\\N' : String(v));

/**
 * Samples through COPY: one stream, no parameter limits, about twice the rows/s of unnest
 * inserts. A round's rows share a few timestamps, so each is formatted once.
 */
export async function copySamples(pool: Pool, rows: readonly SampleRow[]): Promise<void> {
  if (!rows.length) return;
  const client = await pool.connect();
  try {
    const stream = client.query(
      copyFrom(
        'COPY samples (device, ifindex, ts, in_bps, out_bps, in_pps, out_pps, in_errors, out_errors, in_discards, out_discards, speed_bps) FROM STDIN',
      ),
    );
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    let buf = '';
    let lastDevice = '';
    let device = '';
    let lastTs = Number.NaN;
    let ts = '';
    for (const r of rows) {
      if (r.device !== lastDevice) {
        lastDevice = r.device;
        device = copyText(r.device);
      }
      const t = r.ts.getTime();
      if (t !== lastTs) {
        lastTs = t;
        ts = r.ts.toISOString();
      }
      buf += `${device}\t${r.ifIndex}\t${ts}\t${copyNum(r.inBps)}\t${copyNum(r.outBps)}\t${copyNum(r.inPps)}\t${copyNum(
        r.outPps,
      )}\t${copyNum(r.inErrors)}\t${copyNum(r.outErrors)}\t${copyNum(r.inDiscards)}\t${copyNum(
        r.outDiscards,
      )}\t${r.speedBps === null ? '\\N' : Math.round(r.speedBps)}\n`;
      if (buf.length > 256_000) {
        if (!stream.write(buf)) await new Promise((resolve) => stream.once('drain', resolve));
        buf = '';
      }
    }
    stream.end(buf);
    await done;
  } finally {
    client.release();
  }
}

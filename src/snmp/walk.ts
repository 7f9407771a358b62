import snmp, { type Session, type Varbind } from 'net-snmp';
import { compareOids, suffixOf } from './oids.js';

export function getBulk(session: Session, oids: string[], nonRepeaters: number, maxRepetitions: number) {
  return new Promise<(Varbind | Varbind[])[]>((resolve, reject) =>
    session.getBulk(oids, nonRepeaters, maxRepetitions, (err, vbs) => (err ? reject(err) : resolve(vbs))),
  );
}

export function get(session: Session, oids: string[]) {
  return new Promise<Varbind[]>((resolve, reject) =>
    session.get(oids, (err, vbs) => (err ? reject(err) : resolve(vbs))),
  );
}

export interface BulkWalkOptions {
  /** Varbinds asked per response; keeps datagrams under what agents will send (~1,400–64k bytes). */
  maxVarbinds?: number;
  /** Upper bound on rows per column per request. */
  maxRepetitions?: number;
  /** Safety stop for agents that never end a column. */
  maxRequests?: number;
}

export interface BulkWalkResult {
  /** Non-repeaters: the getNext answer for each scalar prefix, when it lies under that prefix. */
  scalars: Map<string, Varbind>;
  /** Rows of each column (`instance suffix → varbind`), in agent order. */
  columns: Map<string, Map<string, Varbind>>;
  requests: number;
}

/**
 * Walks several table columns side by side with GetBulk: each request asks for the next rows of
 * every column still open, so a 48-row, 14-column table comes back in a handful of round trips
 * instead of one walk per column. Scalars ride along as non-repeaters on the first request.
 */
export async function bulkWalk(
  session: Session,
  columns: readonly string[],
  scalars: readonly string[] = [],
  options: BulkWalkOptions = {},
): Promise<BulkWalkResult> {
  const maxVarbinds = options.maxVarbinds ?? 240;
  const maxRep = options.maxRepetitions ?? 50;
  const maxRequests = options.maxRequests ?? 1000;
  const out: BulkWalkResult = {
    scalars: new Map(),
    columns: new Map(columns.map((c) => [c, new Map()])),
    requests: 0,
  };
  const cursor = new Map(columns.map((c) => [c, c] as const));
  let open = [...columns];
  let pendingScalars = [...scalars];
  while (open.length || pendingScalars.length) {
    if (++out.requests > maxRequests) break;
    const reps = Math.max(1, Math.min(maxRep, Math.floor(maxVarbinds / Math.max(1, open.length))));
    const oids = [...pendingScalars, ...open.map((c) => cursor.get(c)!)];
    const res = await getBulk(session, oids, pendingScalars.length, open.length ? reps : 0);
    pendingScalars.forEach((s, i) => {
      const vb = res[i] as Varbind | undefined;
      if (vb && !snmp.isVarbindError(vb) && suffixOf(vb.oid, s) !== undefined) out.scalars.set(s, vb);
    });
    const n = pendingScalars.length;
    pendingScalars = [];
    const still: string[] = [];
    // A big response may be cut short mid-row; a column with no rows only ends if nothing came back.
    const anyRows = open.some((_c, i) => ((res[n + i] as Varbind[] | undefined) ?? []).length > 0);
    open.forEach((col, i) => {
      const rows = (res[n + i] as Varbind[] | undefined) ?? [];
      const store = out.columns.get(col)!;
      let last = cursor.get(col)!;
      let done = !anyRows;
      for (const vb of rows) {
        const sfx = suffixOf(vb.oid, col);
        // endOfMibView, leaving the column, or an agent going backwards all end this column
        if (snmp.isVarbindError(vb) || sfx === undefined || compareOids(vb.oid, last) <= 0) {
          done = true;
          break;
        }
        store.set(sfx, vb);
        last = vb.oid;
      }
      cursor.set(col, last);
      if (!done) still.push(col);
    });
    open = still;
  }
  return out;
}

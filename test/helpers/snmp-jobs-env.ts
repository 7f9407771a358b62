import type { Redis } from 'ioredis';
import { type SimDeviceSpec, type SnmpLab, startSnmpLab } from '../../src/lab/snmp/agent.js';
import { freshDb, type TestDb } from './pg.js';
import { dropPrefix, freshPrefix, redisConnection } from './redis.js';

/** What a test of SNMP jobs on a real job host needs: agents, a schema, Redis and a queue prefix of its own. */
export interface SnmpJobsEnv {
  lab: SnmpLab;
  db: TestDb;
  redis: Redis;
  prefix: string;
  /** After the test's own job host and producer are closed: its queues, schema and agents go. */
  close(): Promise<void>;
}

export async function startSnmpJobsEnv(
  name: string,
  community: string,
  devices: SimDeviceSpec[],
): Promise<SnmpJobsEnv> {
  const lab = await startSnmpLab({ community, devices });
  const db = await freshDb(name);
  const redis = redisConnection();
  const prefix = freshPrefix(name);
  return {
    lab,
    db,
    redis,
    prefix,
    async close() {
      await dropPrefix(prefix);
      redis.disconnect();
      await db.drop();
      await lab.close();
    },
  };
}

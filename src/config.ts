import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { userRegExp } from './bounded-regexp.js';
import { hasVendor, vendorNames } from './devices/vendors/index.js';
import { ErrorCode, NetopsError } from './errors.js';
import { parseCidr } from './ip-scope.js';
import { type RedisAddress, type RedisTarget, redisPrefix } from './redis.js';
import { deviceScopeSchema, policySchema } from './policy/schema.js';

/** A vendor name from the vendor table (src/devices/vendors): the table is the only list. */
export type Vendor = string;

const DAY_MS = 86_400_000;

/** A duration (30s, 5m, 1h, 7d, 2w, or milliseconds) no longer than `max`. */
const durationUpTo = (max: number, maxText: string) =>
  z
    .union([
      z.number().int().positive(),
      z.string().regex(/^\d+(ms|s|m|h|d|w)$/, 'a duration such as 30s, 5m, 1h, 7d or 2w'),
    ])
    .transform((v) => (typeof v === 'number' ? v : durationMs(v)))
    .refine((ms) => Number.isSafeInteger(ms) && ms <= max, `at most ${maxText}`);

/**
 * Anything that ends up in a timer (schedules, timeouts, debounce): at most 24 days, since Node's
 * timers hold 32-bit milliseconds and a longer delay fires after 1 ms instead, over and over.
 */
const duration = durationUpTo(
  24 * DAY_MS,
  '24d (longer timers overflow in Node and would fire every millisecond)',
);
/** Retention periods: never in a timer; bounded so a typo cannot mean "forever". */
const longDuration = durationUpTo(3_650 * DAY_MS, '3650d');

/** Milliseconds of a duration the pattern already checked; unbounded (the schema bounds it). */
function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

export function parseDuration(text: string): number {
  const ms = durationMs(text);
  if (Number.isNaN(ms))
    throw new NetopsError(ErrorCode.BAD_ARGS, `not a duration: ${text}`, {
      userMessage: `\`${text.slice(0, 40)}\` is not a duration.`,
      hint: 'Use e.g. 30s, 5m, 24h, 7d.',
    });
  if (!Number.isSafeInteger(ms) || ms > 3_650 * 86_400_000)
    throw new NetopsError(ErrorCode.BAD_ARGS, `duration too long: ${text}`, {
      userMessage: `\`${text}\` is longer than any period netops-bot keeps (at most 3650d).`,
      hint: 'Use e.g. 24h, 7d or 4w.',
    });
  return ms;
}

const credentialName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_-]*$/,
    'a credential *name* (letters, digits, _ or -), resolved from env or a file',
  );

/** An IANA name Intl knows (the only timezone database used: no dependency of our own). */
function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const channelRef = z.string().regex(/^[#CGD][\w.-]+$/, 'a channel id (C0123…) or #name');

const SPEED_UNITS = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 } as const;
/** A port speed: bits per second, or `100M`, `10G`, `2.5G`, `400Gbps`. */
const speedValue = z
  .union([
    z.number().positive(),
    z.string().regex(/^\d+(\.\d+)?\s*[kKmMgGtT]?(?:b\/s|bps)?$/, 'a speed such as 100M, 10G or 2.5G'),
  ])
  .transform((v) => {
    if (typeof v === 'number') return v;
    const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)/.exec(v)!;
    return Number(m[1]) * SPEED_UNITS[m[2]!.toLowerCase() as keyof typeof SPEED_UNITS];
  })
  .refine((bps) => bps >= 1_000 && bps <= 10e12, 'between 1k and 10T');

export const snmpSchema = z
  .object({
    version: z.enum(['2c', '3']).default('2c'),
    port: z.number().int().min(1).max(65535).default(161),
    /** v2c: community; v3: user/auth/priv; resolved from the credential name, never written here. */
    credential: credentialName,
    timeoutMs: z.number().int().positive().default(2_000),
    retries: z.number().int().min(0).max(5).default(1),
    /**
     * Port speeds that override what the device reports, by interface name (`lo: 10G`,
     * `GigabitEthernet1/0/1: 1000M`, or bits per second). For ports that report an impossible speed.
     */
    speeds: z.record(z.string().min(1), speedValue).optional(),
  })
  .strict();

export const deviceSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash or underscore'),
    // Checked against the table when parsed, so a vendor registered at run time is accepted.
    vendor: z.string().refine(hasVendor, {
      error: (issue) => `unknown vendor ${JSON.stringify(issue.input)}`,
    }),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    credential: credentialName,
    /** Tried when the primary credential is refused. */
    fallbackCredential: credentialName.optional(),
    site: z.string().optional(),
    role: z.string().optional(),
    tags: z.array(z.string()).default([]),
    /** Channel for change notices and alerts about this device; defaults to channels.changes. */
    channel: channelRef.optional(),
    snmp: snmpSchema.optional(),
    /** Pinned SSH host key (base64 of the key blob, or `sha256:<fingerprint>`). */
    hostKey: z.string().optional(),
    /** Old devices: enable legacy kex/cipher/hostkey algorithms. */
    legacyAlgorithms: z.boolean().default(false),
    enabled: z.boolean().default(true),
  })
  .strict();

export type Device = z.infer<typeof deviceSchema>;

const alertSourceSchema = z
  .object({
    /** bearer: `Authorization: Bearer <secret>`; hmac: hex HMAC-SHA256 of the body in `header`. */
    auth: z.enum(['bearer', 'hmac']),
    /** Name of the secret: the value comes from env NETOPS_SECRET_<NAME> (upper case, - as _). */
    secret: credentialName,
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/)
      .optional(),
    /** Grafana's scheme: the digest covers `<timestamp>:<body>`, the timestamp in this header. */
    timestampHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/)
      .optional(),
  })
  .strict();

const incidentsSchema = z
  .object({
    /** Alert sources taken at POST /alerts/<source>; a source not listed answers 404. */
    sources: z
      .object({
        alertmanager: alertSourceSchema.optional(),
        grafana: alertSourceSchema.optional(),
        generic: alertSourceSchema.optional(),
      })
      .strict()
      .default({}),
    /** First match wins; else the device's channel, else channels.alerts, else channels.ops. */
    routes: z
      .array(
        z
          .object({
            match: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])),
            channel: channelRef,
          })
          .strict(),
      )
      .default([]),
    /** Alertmanager's API for the Silence buttons. */
    alertmanager: z.object({ url: z.string().url() }).strict().optional(),
    /** Posts into alert channels are paced to this interval per channel (Slack: ~1 message/s). */
    pace: duration.default(1_000),
  })
  .strict()
  .default({ sources: {}, routes: [], pace: 1_000 });

// Compliance rules (src/compliance evaluates them); here because src/compliance depends on this file.
export const RULE_KINDS = ['present', 'absent', 'section'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** What a rule checks on one vendor: written in that vendor's own config syntax. */
const variantSchema = z
  .object({
    /** present/absent: the lines (a block, indented or Junos braces); section: the intended section. */
    lines: z.string().min(1).optional(),
    /** absent: regular expressions no config line may match (anywhere in the hierarchy). */
    patterns: z.array(z.string().min(1).max(256)).optional(),
    /** section: a regular expression selecting the section's lines (with their blocks) in the config. */
    match: z.string().min(1).max(256).optional(),
  })
  .strict();

export const complianceRuleSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][\w.-]*$/i, 'a rule name: letters, digits, . _ -'),
    description: z.string().optional(),
    kind: z.enum(RULE_KINDS),
    /** Devices the rule applies to (site, role, tag, name globs); absent: every device. */
    scope: deviceScopeSchema.optional(),
    /** present/section: lines must appear in this order (ACLs, route-maps); default any order. */
    ordered: z.boolean().default(false),
    ...variantSchema.shape,
    /** Per-vendor syntax (keys checked in the file's superRefine); a vendor not listed uses the rule's own lines, or the rule skips it. */
    vendors: z.record(z.string(), variantSchema).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const variants = [r, ...Object.values(r.vendors ?? {})];
    for (const v of variants) {
      if (r.kind === 'present' && !v.lines && v !== r)
        ctx.addIssue({
          code: 'custom',
          message: `present rule "${r.name}": each vendor variant needs lines`,
        });
      if (r.kind === 'section' && v.lines && !v.match && !r.match)
        ctx.addIssue({
          code: 'custom',
          message: `section rule "${r.name}" needs match (the regex selecting the section)`,
        });
    }
    if (!r.lines && !r.patterns && !r.vendors)
      ctx.addIssue({ code: 'custom', message: `rule "${r.name}" needs lines, patterns or vendors` });
    for (const v of variants)
      for (const p of [...(v.patterns ?? []), ...(v.match ? [v.match] : [])]) {
        try {
          // Rules run over every line of every config: the same time bound as a user's search pattern.
          userRegExp(p);
        } catch (e) {
          ctx.addIssue({
            code: 'custom',
            message: `rule "${r.name}": bad regular expression ${p}: ${(e as Error).message}`,
          });
        }
      }
  });

export const complianceSchema = z
  .object({
    /** Variables per site for templates: `{{site.ntp}}` reads compliance.sites.<device site>.ntp. */
    sites: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** Variables for every device: `{{vars.domain}}`. */
    vars: z.record(z.string(), z.unknown()).default({}),
    rules: z.array(complianceRuleSchema).default([]),
    /**
     * Fleet-wide remediation (`compliance remediate`, the Remediate all button) applies in these
     * waves: a device count, a share of the devices, or `rest`; the last repeats until all are done.
     */
    remediation: z
      .object({
        waves: z
          .array(
            z.union([
              z.number().int().min(1).max(10_000),
              z
                .string()
                .regex(/^(?:100|[1-9]\d?)%$/, 'a percentage from 1% to 100%')
                .transform((s) => s as `${number}%`),
              z.literal('rest'),
            ]),
          )
          .min(1)
          .refine((w) => !w.slice(0, -1).includes('rest'), '`rest` can only be the last wave')
          .default([1, '10%', 'rest']),
      })
      .strict()
      .default({ waves: [1, '10%', 'rest'] }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.rules.forEach((r, i) => {
      if (seen.has(r.name))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'name'],
          message: `duplicate rule name "${r.name}"`,
        });
      seen.add(r.name);
    });
  });

export type ComplianceRule = z.infer<typeof complianceRuleSchema>;
export type ComplianceConfig = z.infer<typeof complianceSchema>;

/** `host:port` or `{ host, port }`: a Redis Cluster node or a Sentinel. */
const redisAddress = z
  .union([
    z
      .string()
      .regex(/^(?:\[[0-9a-fA-F:.]+\]|[\w.-]+):\d{1,5}$/, 'host:port, such as 10.0.0.5:6379')
      .transform((v) => {
        const i = v.lastIndexOf(':');
        return { host: v.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(v.slice(i + 1)) };
      }),
    z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict(),
  ])
  .refine((a) => a.port >= 1 && a.port <= 65535, 'a port from 1 to 65535');

/**
 * Where Redis is: one server (`url`), a Cluster (`cluster`: a few of its nodes; the rest are found),
 * or a Sentinel-managed master (`sentinels` and the master set's `name`). Credentials for Cluster
 * and Sentinel come from REDIS_USERNAME / REDIS_PASSWORD, never from this file.
 */
const redisFileSchema = z.union([
  z.object({ url: z.string().url('a URL such as redis://10.0.0.5:6379') }).strict(),
  z.object({ cluster: z.array(redisAddress).min(1, 'at least one node') }).strict(),
  z
    .object({
      sentinels: z.array(redisAddress).min(1, 'at least one sentinel'),
      name: z.string().min(1, 'the master set name, as in `sentinel monitor <name> …`'),
    })
    .strict(),
]);

const fileSchema = z
  .object({
    redis: redisFileSchema.optional(),
    slack: z
      .object({
        command: z
          .string()
          .regex(/^\/[a-z0-9_-]+$/, 'a slash command such as /net')
          .default('/net'),
      })
      .strict()
      .default({ command: '/net' }),
    channels: z
      .object({
        ops: channelRef.optional(),
        changes: channelRef.optional(),
        alerts: channelRef.optional(),
      })
      .strict()
      .default({}),
    schedules: z
      .object({
        backup: z
          .object({ every: duration.default(3_600_000), jitter: duration.default(600_000) })
          .strict()
          .default({ every: 3_600_000, jitter: 600_000 }),
        poll: z
          .object({
            every: duration.default(60_000),
            /**
             * rounds: one worker at a time (a Redis lease) polls the whole fleet each interval, with
             * bounded concurrency and batched stores; a round never overlaps the one before and a
             * late one is reported. jobs: one `snmp.poll` job per device and interval (small fleets,
             * or polling spread over many workers).
             */
            mode: z.enum(['rounds', 'jobs']).default('rounds'),
            /** Devices polled at once in a round. */
            concurrency: z.number().int().min(1).max(5_000).default(200),
          })
          .strict()
          .default({ every: 60_000, mode: 'rounds', concurrency: 200 }),
        reconcile: z
          .object({ every: duration.default(30_000) })
          .strict()
          .default({ every: 30_000 }),
      })
      .strict()
      .default({
        backup: { every: 3_600_000, jitter: 600_000 },
        poll: { every: 60_000, mode: 'rounds', concurrency: 200 },
        reconcile: { every: 30_000 },
      }),
    /** The site's IANA timezone: times in messages, and the hours and days analysis learns by. */
    timezone: z
      .string()
      .refine(validTimeZone, 'an IANA timezone such as Europe/Paris or America/New_York')
      .default('UTC'),
    configs: z
      .object({
        /** What secrets become in stored and shown configs. */
        secretMarker: z.string().regex(/^\S+$/, 'no whitespace').default('<removed>'),
        retention: z
          .object({
            keepAllDays: z.number().int().min(0).default(30),
            dailyDays: z.number().int().min(0).default(60),
            /** Omit to keep weekly versions forever. */
            weeklyWeeks: z.number().int().min(0).optional(),
          })
          .strict()
          .default({ keepAllDays: 30, dailyDays: 60 }),
        searchTimeout: duration.default(10_000),
        syslog: z
          .object({
            enabled: z.boolean().default(true),
            host: z.string().default('0.0.0.0'),
            /** 514 needs privileges; point devices (or a relay) at this port. */
            port: z.number().int().min(0).max(65535).default(5514),
            debounce: duration.default(3_000),
          })
          .strict()
          .default({ enabled: true, host: '0.0.0.0', port: 5514, debounce: 3_000 }),
      })
      .strict()
      .default({
        secretMarker: '<removed>',
        retention: { keepAllDays: 30, dailyDays: 60 },
        searchTimeout: 10_000,
        syslog: { enabled: true, host: '0.0.0.0', port: 5514, debounce: 3_000 },
      }),
    metrics: z
      .object({
        retention: z
          .object({
            raw: longDuration.default(7 * 86_400_000),
            fiveMinute: longDuration.default(90 * 86_400_000),
            hour: longDuration.default(730 * 86_400_000),
          })
          .strict()
          .default({ raw: 7 * 86_400_000, fiveMinute: 90 * 86_400_000, hour: 730 * 86_400_000 }),
        /** Prometheus file_sd targets file written on every reconcile (for snmp_exporter). */
        fileSdPath: z.string().optional(),
        /** Where interface samples live: this PostgreSQL (default) or a VictoriaMetrics. */
        backend: z.enum(['postgres', 'victoriametrics']).default('postgres'),
        /** VictoriaMetrics base URL (single node, or a cluster's tenant URL); required for that backend. */
        url: z
          .string()
          .url('a URL such as http://127.0.0.1:8428')
          .refine((u) => /^https?:/.test(u), 'http:// or https://')
          .optional(),
        /** Metric name prefix in VictoriaMetrics, so a shared one can hold other things too. */
        prefix: z
          .string()
          .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a Prometheus metric name prefix, e.g. netops_')
          .default('netops_'),
        /** How long a VictoriaMetrics request may take. */
        timeout: duration.default(30_000),
        /**
         * The VictoriaMetrics server's -search.latencyOffset (its default 30s): chart columns that
         * recent are reduced from raw samples, since its range queries repeat the previous point there.
         */
        latencyOffset: duration.default(30_000),
      })
      .strict()
      .superRefine((m, ctx) => {
        if (m.backend === 'victoriametrics' && !m.url)
          ctx.addIssue({
            code: 'custom',
            path: ['url'],
            message: 'required when backend is victoriametrics',
          });
      })
      .default({
        retention: { raw: 7 * 86_400_000, fiveMinute: 90 * 86_400_000, hour: 730 * 86_400_000 },
        backend: 'postgres',
        prefix: 'netops_',
        timeout: 30_000,
        latencyOffset: 30_000,
      }),
    discovery: z
      .object({
        /** CIDRs discovery may probe; nothing else is touched. Empty: discovery of addresses is off. */
        allowedSubnets: z
          .array(
            z
              .string()
              .refine(
                (s) => s.includes('/') && parseCidr(s) !== undefined,
                'a CIDR such as 10.0.0.0/24 or 2001:db8::/64',
              ),
          )
          .default([]),
        maxSweep: z.number().int().min(1).max(65_536).default(256),
        /** SNMP credential name used to probe, and written into proposed devices. */
        credential: credentialName.default('discovery'),
        /** SSH credential name written into proposed devices. */
        sshCredential: credentialName.default('default'),
        /** Add found devices to netops.yaml at once instead of proposing them with a button. */
        autoAdd: z.boolean().default(false),
      })
      .strict()
      .default({
        allowedSubnets: [],
        maxSweep: 256,
        credential: 'discovery',
        sshCredential: 'default',
        autoAdd: false,
      }),
    limits: z
      .object({
        /** SSH sessions open at once across the fleet, per worker. */
        sessions: z.number().int().min(1).max(5_000).default(100),
        /**
         * SSH sessions at once to one device, counted across all workers (leases in Redis;
         * per worker while Redis is unreachable): a device has few vty lines.
         */
        sessionsPerDevice: z.number().int().min(1).max(16).default(2),
        /**
         * A session's lease lasts this long unless renewed (every third of it while the session is
         * open): a worker that dies leaves its devices' sessions counted until then. At least 3 s,
         * so a renewal slowed by a busy Redis (calls are bounded to 1 s) still comes in time.
         */
        sessionLeaseTtl: durationUpTo(600_000, '10m')
          .refine((ms) => ms >= 3_000, 'at least 3s')
          .default(30_000),
        /** How long a new session waits for one of the device's leases before NETOPS_DEVICE_BUSY (retried). */
        sessionLeaseWait: durationUpTo(1_800_000, '30m')
          .refine((ms) => ms >= 1_000, 'at least 1s')
          .default(60_000),
        /** Commands one person may send per minute; 0 for no limit. */
        commandsPerMinute: z.number().int().min(0).max(10_000).default(30),
        /** Jobs waiting in one queue beyond which requests from people are refused; 0 for no limit. */
        queueDepth: z.number().int().min(0).max(10_000_000).default(1_000),
      })
      .strict()
      .default({
        sessions: 100,
        sessionsPerDevice: 2,
        sessionLeaseTtl: 30_000,
        sessionLeaseWait: 60_000,
        commandsPerMinute: 30,
        queueDepth: 1_000,
      }),
    /** Bull Board (the queues' dashboard) on the bot's HTTP server, behind basic auth or a token. */
    dashboard: z
      .object({
        enabled: z.boolean().default(false),
        path: z
          .string()
          .regex(/^(\/[a-z0-9_-]+)+$/, 'a path such as /admin/queues')
          .refine(
            (p) => !/^\/(slack|alerts|healthz|readyz|metrics)(\/|$)/.test(p),
            'a path of its own (not under /slack, /alerts, /healthz, /readyz or /metrics)',
          )
          .default('/admin/queues'),
        /** basic: NETOPS_CRED_<NAME>_USERNAME/_PASSWORD; bearer: NETOPS_SECRET_<NAME> (or the credentials file). */
        auth: z.enum(['basic', 'bearer']).default('basic'),
        credential: credentialName.default('dashboard'),
        /** Look, do not touch: retry, remove, clean, pause and add are refused. */
        readOnly: z.boolean().default(true),
        /** Wrong credentials from one address within `lockout` before it is refused (429) until then. */
        maxFailedLogins: z.number().int().min(1).max(1_000).default(10),
        lockout: durationUpTo(86_400_000, '1d').default(900_000),
      })
      .strict()
      .default({
        enabled: false,
        path: '/admin/queues',
        auth: 'basic',
        credential: 'dashboard',
        readOnly: true,
        maxFailedLogins: 10,
        lockout: 900_000,
      }),
    changes: z
      .object({
        /** Minutes an applied change waits for its post-checks before the device rolls it back. */
        rollbackMinutes: z.number().int().min(1).max(120).default(5),
        /** How long an approval card stays valid after its dry run. */
        approvalTtl: duration.default(30 * 60_000),
        /** Devices per wave after the one-device canary. */
        waveSize: z.number().int().min(1).max(500).default(5),
        /** Wait after commit before the post-checks run (let BGP and links settle). */
        soak: z.union([z.literal(0), duration]).default(30_000),
        /** Change freezes: approving inside one needs the `admin` action (policy). */
        freezes: z
          .array(
            z
              .object({
                start: z.coerce.date(),
                end: z.coerce.date(),
                reason: z.string().optional(),
              })
              .strict(),
          )
          .default([]),
        /** Slack user id → the credential name their changes are applied with (device AAA names them). */
        credentials: z.record(z.string(), credentialName).default({}),
      })
      .strict()
      .default({
        rollbackMinutes: 5,
        approvalTtl: 30 * 60_000,
        waveSize: 5,
        soak: 30_000,
        freezes: [],
        credentials: {},
      }),
    devices: z.array(deviceSchema).default([]),
    /** What every device must and must not have; see README "Compliance". */
    compliance: complianceSchema.default({
      sites: {},
      vars: {},
      rules: [],
      remediation: { waves: [1, '10%', 'rest'] },
    }),
    /** Alert intake, incident routing and Alertmanager silences; see README "Incidents". */
    incidents: incidentsSchema,
    /** Who may do what (roles, grants). Absent: reads for everyone, no changes; see README "Access policy". */
    policy: policySchema.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    for (const message of duplicateNames(cfg.devices.map((d) => d.name)))
      ctx.addIssue({ code: 'custom', path: ['devices'], message });
    cfg.compliance.rules.forEach((r, i) => {
      for (const v of Object.keys(r.vendors ?? {}))
        if (!hasVendor(v))
          ctx.addIssue({
            code: 'custom',
            path: ['compliance', 'rules', i, 'vendors', v],
            message: `unknown vendor "${v}" (one of ${vendorNames().join(', ')})`,
          });
    });
  });

function duplicateNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  names.forEach((name, i) => {
    if (!name) return;
    const first = seen.get(name);
    if (first !== undefined)
      out.push(`devices.${i}.name: duplicate device name "${name}" (also devices.${first})`);
    else seen.set(name, i);
  });
  return out;
}

export type FileConfig = z.infer<typeof fileSchema>;

/** A duration in the environment: 15s, 500ms, 2m, or bare milliseconds. */
const envDuration = z
  .string()
  .regex(/^\d+(ms|s|m|h)?$/, 'a duration such as 15s, 500ms or 2m')
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : durationMs(v)))
  .refine((ms) => ms <= 24 * DAY_MS, 'at most 24d (longer timers overflow in Node)');

const envSchema = z.object({
  SLACK_BOT_TOKEN: z.string().min(1, 'the bot token (xoxb-…) from your Slack app').optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'an app-level token starts with xapp-').optional(),
  SLACK_API_URL: z.string().url('a URL such as http://127.0.0.1:3999/api/').optional(),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  DATABASE_URL: z.string().default('postgres://root@127.0.0.1:5432/postgres'),
  NETOPS_CONFIG: z.string().default('netops.yaml'),
  /** Redis Cluster: some of its nodes, `host:port,host:port` (the rest are discovered). */
  REDIS_CLUSTER_NODES: z.string().optional(),
  /** Redis Sentinel: the sentinels, `host:port,host:port`, with REDIS_SENTINEL_NAME. */
  REDIS_SENTINELS: z.string().optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  /** Credentials for Cluster nodes and Sentinel's master (a REDIS_URL carries its own). */
  REDIS_USERNAME: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  NETOPS_QUEUE_PREFIX: z
    .string()
    // letters, digits, - and _, optionally with one {hash tag} (Redis Cluster: one slot for all keys)
    .regex(/^[\w-]*(?:\{[\w-]+\})?[\w-]*$/, 'letters, digits, - and _, with at most one {hash tag}')
    .min(1)
    .default('netops'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** The worker role's own /metrics and /healthz on HOST:METRICS_PORT (0: any free port); unset: none. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(16),
  /**
   * A running job's lock: renewed every half of it, lapses this long after its worker died.
   * With WORKER_STALLED_INTERVAL, the longest a dead worker's job waits before another takes it.
   */
  WORKER_LOCK_DURATION: envDuration.refine((ms) => ms >= 1_000, 'at least 1s').default(15_000),
  /** How often each worker looks for jobs whose lock lapsed. */
  WORKER_STALLED_INTERVAL: envDuration.refine((ms) => ms >= 500, 'at least 500ms').default(5_000),
  /** Host keys trusted on first use, per device (devices without a pinned hostKey). */
  NETOPS_KNOWN_HOSTS: z.string().default('var/known-hosts.json'),
  /** Optional credentials file (YAML/JSON, name → username/password/keyFile/enable). */
  NETOPS_CREDENTIALS_FILE: z.string().optional(),
});

export type EnvConfig = z.infer<typeof envSchema>;

export interface Config extends Omit<FileConfig, 'redis'> {
  env: EnvConfig;
  /**
   * Where Redis is (from the environment, else netops.yaml's `redis`, else REDIS_URL's default)
   * and the key prefix to use there: hash-tagged for a Cluster (see redisPrefix).
   */
  redis: RedisTarget & { prefix: string };
  slack: FileConfig['slack'] & {
    botToken?: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl?: string;
  };
  configPath: string;
}

export type Role = 'bot' | 'worker' | 'all' | 'migrate' | 'lab';

const HINTS: Record<string, string> = {
  SLACK_BOT_TOKEN: 'set SLACK_BOT_TOKEN to the Bot User OAuth Token (OAuth & Permissions page)',
  SLACK_SIGNING_SECRET: 'set SLACK_SIGNING_SECRET from Basic Information → App Credentials',
  SLACK_APP_TOKEN: 'for Socket Mode create an app-level token with connections:write',
  'metrics.url':
    'e.g. metrics: { backend: victoriametrics, url: http://127.0.0.1:8428 } (VictoriaMetrics listens on 8428)',
  'metrics.backend': 'postgres (the default) or victoriametrics (needs metrics.url)',
  credential:
    'name a credential; export NETOPS_CRED_<NAME>_USERNAME and _PASSWORD (or _KEY_FILE) for the worker',
  get vendor() {
    return `one of ${vendorNames().join(', ')}`;
  },
};

function formatIssues(prefix: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    const path = i.path.map(String).join('.');
    const last = String(i.path[i.path.length - 1] ?? '');
    const hint = HINTS[last] ?? HINTS[path];
    return `${prefix}${path || '(root)'}: ${i.message}${hint ? ` — hint: ${hint}` : ''}`;
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

export function parseFileConfig(
  text: string,
  source = 'netops.yaml',
): { config?: FileConfig; problems: string[] } {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    return { problems: [`${source}: not valid YAML${where}: ${(err as Error).message.split('\n')[0]}`] };
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    // zod skips refinements when the shape fails; duplicates are worth reporting in the same pass.
    const names = ((raw as { devices?: unknown }).devices as { name?: unknown }[] | undefined) ?? [];
    const dupes = Array.isArray(names)
      ? duplicateNames(names.map((d) => (d && typeof d.name === 'string' ? d.name : '')))
      : [];
    return {
      problems: [
        ...formatIssues(
          `${source}: `,
          parsed.error.issues.filter((i) => !i.message.startsWith('duplicate')),
        ),
        ...dupes.map((d) => `${source}: ${d}`),
      ],
    };
  }
  return { config: parsed.data, problems: [] };
}

const addressList = (name: string, text: string): { list: RedisAddress[]; problems: string[] } => {
  const list: RedisAddress[] = [];
  const problems: string[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const r = redisAddress.safeParse(part);
    if (r.success) list.push(r.data);
    else problems.push(`env ${name}: "${part}" is not host:port — hint: e.g. 10.0.0.5:6379,10.0.0.6:6379`);
  }
  return { list, problems };
};

/**
 * One Redis target from the environment and netops.yaml. The environment wins over the file; two
 * ways in the environment at once (say REDIS_URL and REDIS_SENTINELS) is a problem, not a guess.
 */
function resolveRedis(
  raw: Record<string, string | undefined>,
  e: EnvConfig,
  file: FileConfig['redis'],
): RedisTarget | { problems: string[] } {
  const auth = {
    ...(e.REDIS_USERNAME ? { username: e.REDIS_USERNAME } : {}),
    ...(e.REDIS_PASSWORD ? { password: e.REDIS_PASSWORD } : {}),
  };
  const set = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter(
    (k) => raw[k] !== undefined && raw[k] !== '',
  );
  if (set.length > 1) {
    return {
      problems: [
        `env ${set.join(', ')}: set only one — hint: REDIS_URL for one server, REDIS_CLUSTER_NODES for a Cluster, REDIS_SENTINELS with REDIS_SENTINEL_NAME for Sentinel`,
      ],
    };
  }
  const sentinelName = e.REDIS_SENTINEL_NAME;
  const sentinel = (sentinels: RedisAddress[], name: string): RedisTarget => ({
    mode: 'sentinel',
    sentinels,
    name,
    ...auth,
    ...(e.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: e.REDIS_SENTINEL_PASSWORD } : {}),
  });
  if (set[0] === 'REDIS_CLUSTER_NODES' || set[0] === 'REDIS_SENTINELS') {
    const { list, problems } = addressList(set[0], raw[set[0]]!);
    if (set[0] === 'REDIS_SENTINELS' && !sentinelName)
      problems.push(
        'env REDIS_SENTINEL_NAME: required with REDIS_SENTINELS — hint: the name in `sentinel monitor <name> …`',
      );
    if (problems.length) return { problems };
    return set[0] === 'REDIS_CLUSTER_NODES'
      ? { mode: 'cluster', nodes: list, ...auth }
      : sentinel(list, sentinelName!);
  }
  if (set[0] === 'REDIS_URL' || !file) return { mode: 'standalone', url: e.REDIS_URL };
  if ('url' in file) return { mode: 'standalone', url: file.url };
  if ('cluster' in file) return { mode: 'cluster', nodes: file.cluster, ...auth };
  return sentinel(file.sentinels, file.name);
}

/**
 * Reads env + netops.yaml, validates both, and either returns a frozen Config or throws one
 * CONFIG_INVALID error that lists every problem with a hint (the CLI prints it and exits 1).
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: { role: Role; readFile?: (path: string) => string } = { role: 'all' },
): Config {
  const problems: string[] = [];
  const envParsed = envSchema.safeParse(env);
  if (!envParsed.success) problems.push(...formatIssues('env ', envParsed.error.issues));
  const path = envParsed.success ? envParsed.data.NETOPS_CONFIG : (env.NETOPS_CONFIG ?? 'netops.yaml');
  let file: FileConfig | undefined;
  let text: string | undefined;
  try {
    text = (options.readFile ?? ((p) => readFileSync(p, 'utf8')))(path);
  } catch (err) {
    problems.push(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}) — hint: copy netops.example.yaml to netops.yaml or set NETOPS_CONFIG`,
    );
  }
  if (text !== undefined) {
    const r = parseFileConfig(text, path);
    problems.push(...r.problems);
    file = r.config;
  }
  // Checked on the raw env so these show up even when another variable is malformed.
  if (options.role === 'bot' || options.role === 'all') {
    if (!env.SLACK_BOT_TOKEN)
      problems.push(
        `env SLACK_BOT_TOKEN: required for role ${options.role} — hint: ${HINTS.SLACK_BOT_TOKEN}`,
      );
    if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
      problems.push(
        `env SLACK_SIGNING_SECRET: required unless SLACK_APP_TOKEN (Socket Mode) is set — hint: ${HINTS.SLACK_SIGNING_SECRET}`,
      );
    }
  } else if (options.role === 'worker' && !env.SLACK_BOT_TOKEN) {
    problems.push(
      `env SLACK_BOT_TOKEN: the worker posts results and needs it too — hint: ${HINTS.SLACK_BOT_TOKEN}`,
    );
  }
  if (problems.length || !file || !envParsed.success) {
    throw new NetopsError(
      ErrorCode.CONFIG_INVALID,
      `configuration has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`,
      {
        context: { problems },
      },
    );
  }
  const e = envParsed.data;
  const redis = resolveRedis(env, e, file.redis);
  if ('problems' in redis) {
    throw new NetopsError(
      ErrorCode.CONFIG_INVALID,
      `configuration has ${redis.problems.length} problem(s):\n  - ${redis.problems.join('\n  - ')}`,
      { context: { problems: redis.problems } },
    );
  }
  const { redis: _fileRedis, ...fileRest } = file;
  const config: Config = {
    ...fileRest,
    redis: { ...redis, prefix: redisPrefix(e.NETOPS_QUEUE_PREFIX, redis) },
    env: e,
    configPath: path,
    slack: {
      ...file.slack,
      ...(e.SLACK_BOT_TOKEN ? { botToken: e.SLACK_BOT_TOKEN } : {}),
      ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
    },
  };
  return deepFreeze(config);
}

import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Every field name that can carry a secret somewhere in the product: SSH logins (password,
 * passphrase, privateKey, enable), SNMP (community, authKey, privKey), Slack (tokens, signing
 * secret), URLs with passwords in them, HTTP authorization headers, and whole secret bags.
 */
export const SECRET_FIELDS = [
  'password',
  'passphrase',
  'privateKey',
  'enable',
  'secret',
  'secrets',
  'credentials',
  'community',
  'authKey',
  'privKey',
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'authorization',
  'cookie',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
  'sentinelPassword',
  'secretsEnv',
] as const;

/** Redaction paths: each field at the top and up to three objects deep (pino has no `**`). */
export const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]);

/**
 * One logger for the process. Redaction is a second line of defence: secrets should never be passed
 * to a log call in the first place (credentials are resolved inside the device and SNMP layers only).
 */
export function createLogger(
  level = 'info',
  base: Record<string, unknown> = {},
  /** A file to write to instead of stdout (the local console keeps the terminal for chat), or a stream. */
  destination?: string | DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { ...base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (destination === undefined) return pino(options);
  return pino(
    options,
    typeof destination === 'string'
      ? pino.destination({ dest: destination, mkdir: true, sync: false })
      : destination,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });

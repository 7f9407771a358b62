import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One logger for the process. Redaction is a second line of defence: secrets should never be passed
 * to a log call in the first place (credentials are resolved inside the device layer only).
 */
export function createLogger(
  level = 'info',
  base: Record<string, unknown> = {},
  /** Where the JSON lines go (stdout by default); tests pass a stream to read them back. */
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { ...base },
    redact: {
      paths: [
        'password',
        '*.password',
        'passphrase',
        '*.passphrase',
        'privateKey',
        '*.privateKey',
        'token',
        '*.token',
        'community',
        '*.community',
        'authKey',
        '*.authKey',
        'privKey',
        '*.privKey',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const silentLogger: Logger = pino({ level: 'silent' });

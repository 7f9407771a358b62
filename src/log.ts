import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One logger for the process. Redaction is a second line of defence: secrets should never be passed
 * to a log call in the first place (credentials are resolved inside the device layer only).
 */
export function createLogger(
  level = 'info',
  base: Record<string, unknown> = {},
  /**
   * A file to write to instead of stdout (the local console keeps the terminal for chat), or a
   * stream (tests read the lines back).
   */
  to?: string | pino.DestinationStream,
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
  if (typeof to === 'string') return pino(options, pino.destination({ dest: to, mkdir: true, sync: false }));
  return to ? pino(options, to) : pino(options);
}

export const silentLogger: Logger = pino({ level: 'silent' });

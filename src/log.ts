import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One logger for the process. Redaction is a second line of defence: secrets should never be passed
 * to a log call in the first place (credentials are resolved inside the device layer only).
 */
export function createLogger(
  level = 'info',
  base: Record<string, unknown> = {},
  /** A file to write to instead of stdout (the local console keeps the terminal for chat). */
  file?: string,
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
  return file ? pino(options, pino.destination({ dest: file, mkdir: true, sync: false })) : pino(options);
}

export const silentLogger: Logger = pino({ level: 'silent' });

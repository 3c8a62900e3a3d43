/** Timestamped, levelled log lines on stderr; the one summary line of a run goes to stdout. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

export function createLogger(
  write: (line: string) => void = (l) => process.stderr.write(l),
  verbose = false,
): Logger {
  const emit = (level: Level, message: string): void => {
    write(`${new Date().toISOString()} [${level}] ${message}\n`);
  };
  return {
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    debug: (m) => {
      if (verbose) emit('debug', m);
    },
  };
}

/** What a run did, for its summary line. */
export interface Tally {
  versions: number;
  files: number;
  bytes: number;
  notes: string[];
}

export function emptyTally(): Tally {
  return { versions: 0, files: 0, bytes: 0, notes: [] };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The summary line, e.g. `runtime-sync pull: 3 versions, 3012 files, 45678901 bytes (43.6 MiB), 1.8 s`
 * followed by `; <note>` for each note (warnings, skipped work).
 */
export function summaryLine(command: string, tally: Tally, seconds: number): string {
  const base =
    `runtime-sync ${command}: ${tally.versions} versions, ${tally.files} files, ` +
    `${tally.bytes} bytes (${formatBytes(tally.bytes)}), ${seconds.toFixed(1)} s`;
  return [base, ...tally.notes].join('; ');
}

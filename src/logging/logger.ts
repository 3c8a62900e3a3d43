/** A small logger over the runner's log commands, so modules log through one interface tests can replace. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** MB/s (10^6 bytes per second), one decimal. */
export function megabytesPerSecond(bytes: number, milliseconds: number): string {
  return (bytes / 1e6 / Math.max(milliseconds / 1000, 0.001)).toFixed(1);
}

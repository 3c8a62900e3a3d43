/**
 * Transfer progress as a small object: bytes done, total, percent and MB/s, logged on a timer while
 * a transfer runs. Call stop() in a finally block.
 */
import { PROGRESS_INTERVAL_MS } from '../config/constants';
import { formatBytes, Logger, megabytesPerSecond } from './logger';

export class TransferProgress {
  private done = 0;
  private readonly startedAt = Date.now();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly label: string,
    private readonly logger: Logger,
    /** Total bytes, when known in advance (downloads); uploads stream and learn it at the end. */
    private readonly total?: number,
    private readonly intervalMs: number = PROGRESS_INTERVAL_MS,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.logger.info(this.line()), this.intervalMs);
    this.timer.unref();
    return this;
  }

  add(bytes: number): void {
    this.done += bytes;
  }

  get bytes(): number {
    return this.done;
  }

  get elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  line(): string {
    const rate = `${megabytesPerSecond(this.done, this.elapsedMs)} MB/s`;
    if (this.total === undefined || this.total === 0) {
      return `${this.label}: ${formatBytes(this.done)} (${this.done} bytes) so far, ${rate}`;
    }
    const percent = ((this.done / this.total) * 100).toFixed(1);
    return `${this.label}: ${formatBytes(this.done)} of ${formatBytes(this.total)} (${this.done}/${this.total} bytes, ${percent}%), ${rate}`;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

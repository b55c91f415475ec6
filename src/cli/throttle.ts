import { Transform, type TransformCallback } from "node:stream";

/**
 * Passes bytes through at no more than `bytesPerSecond` (`--limit-rate`), for sharing a thin link. It
 * holds back each slice until the time its bytes are due, so the average over any stretch stays at the
 * limit, and backpressure carries the slowdown to the source instead of buffering.
 */
export class Throttle extends Transform {
  private sent = 0;
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;
  /** Slices of at most a twentieth of a second's bytes keep the flow smooth. */
  private readonly slice: number;

  constructor(private readonly bytesPerSecond: number) {
    super();
    this.slice = Math.max(1024, Math.floor(bytesPerSecond / 20));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pushSlices(chunk, 0, done);
  }

  private pushSlices(chunk: Buffer, offset: number, done: TransformCallback): void {
    if (offset >= chunk.length) {
      done();
      return;
    }
    const piece = chunk.subarray(offset, offset + this.slice);
    this.sent += piece.length;
    this.push(piece);
    const due = this.started + (this.sent / this.bytesPerSecond) * 1000;
    const wait = due - performance.now();
    const next = (): void => this.pushSlices(chunk, offset + piece.length, done);
    if (wait <= 0) next();
    else this.timer = setTimeout(next, wait);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    callback(error);
  }
}

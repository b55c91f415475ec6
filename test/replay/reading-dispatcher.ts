import { Readable } from "node:stream";
import { Dispatcher } from "undici";

/**
 * A dispatcher in front of undici's MockAgent that reads a streamed request body to its end before the
 * mock answers, as a real server does before it says 2xx. MockAgent answers at once and never reads a
 * stream, so an upload whose bytes are counted on their way out (and checked once the answer is in) would
 * see none of them.
 */
export class ReadingDispatcher extends Dispatcher {
  constructor(private readonly inner: Dispatcher) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const body = options.body;
    if (!(body instanceof Readable)) return this.inner.dispatch(options, handler);
    const chunks: Buffer[] = [];
    body.on("data", (chunk: Buffer) => chunks.push(chunk));
    body.once("error", (err) => handler.onError?.(err));
    body.once("end", () => {
      this.inner.dispatch({ ...options, body: Buffer.concat(chunks) }, handler);
    });
    return true;
  }

  override close(): Promise<void> {
    return this.inner.close();
  }

  override destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

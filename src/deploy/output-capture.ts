/**
 * Captures one output stream of a remote command as text: decoded as UTF-8 across chunk boundaries,
 * handed to a streaming callback as it arrives, and kept up to a limit (the end is kept, since the end
 * of stderr is what explains a failure).
 */
import { StringDecoder } from "node:string_decoder";

export class OutputCapture {
  readonly #decoder = new StringDecoder("utf8");
  readonly #limit: number;
  readonly #onText: ((text: string) => void) | undefined;
  #chunks: string[] = [];
  #length = 0;
  truncated = false;

  constructor(limit: number, onText?: (text: string) => void) {
    this.#limit = limit;
    this.#onText = onText;
  }

  push(chunk: Buffer): void {
    this.#add(this.#decoder.write(chunk));
  }

  end(): void {
    this.#add(this.#decoder.end());
  }

  #add(text: string): void {
    if (text === "") return;
    this.#onText?.(text);
    this.#chunks.push(text);
    this.#length += text.length;
    // Trim only once twice the limit is held, so a chatty command costs amortised constant work per chunk.
    if (this.#length > this.#limit * 2) this.#trim();
  }

  #trim(): void {
    const joined = this.#chunks.join("");
    if (joined.length <= this.#limit) return;
    this.#chunks = [joined.slice(joined.length - this.#limit)];
    this.#length = this.#limit;
    this.truncated = true;
  }

  text(): string {
    this.#trim();
    return this.#chunks.join("");
  }
}

/** The last `maxLines` lines (and at most `maxChars` characters) of some output, for error messages. */
export function tail(text: string, maxLines = 20, maxChars = 2000): string {
  const lines = text.replace(/\s+$/, "").split("\n");
  let out = lines.slice(-maxLines).join("\n");
  if (out.length > maxChars) out = `…${out.slice(out.length - maxChars)}`;
  return out;
}

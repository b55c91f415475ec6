import type { FileHandle } from "node:fs/promises";
import { PartDigests } from "./part-digests.js";
import { memoryPart, type OutgoingPart, type PartSource } from "./part-source.js";

/**
 * Parts of a file on disk, each read straight into a part buffer at its offset (no small chunks to copy
 * together), and buffers come back through `releasePart` to be filled again, so an upload of any size
 * allocates (parts in flight + 1) buffers once and makes no garbage.
 */
export class FilePartReader extends PartDigests implements PartSource {
  private spare: Buffer[] = [];
  private closed = false;

  constructor(
    private readonly file: FileHandle,
    hash: { md5?: boolean; sha256?: boolean },
  ) {
    super(hash);
  }

  async nextPart(size: number, capacity = size): Promise<OutgoingPart | undefined> {
    const want = Math.min(size, capacity);
    const buffer = this.take(want);
    let length = 0;
    while (length < want) {
      const { bytesRead } = await this.file.read(buffer, length, want - length, this.bytes + length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length === 0) {
      this.spare.push(buffer);
      return undefined;
    }
    const bytes = length === want ? buffer : buffer.subarray(0, length);
    this.digest(bytes);
    return memoryPart(bytes);
  }

  releasePart(part: OutgoingPart): void {
    this.spare.push(Buffer.from(part.body.buffer, 0, part.body.buffer.byteLength));
  }

  /** True when nothing lies past what was handed out; one byte is read to see whether the file grew. */
  async atEnd(): Promise<boolean> {
    const { bytesRead } = await this.file.read(Buffer.alloc(1), 0, 1, this.bytes);
    return bytesRead === 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.file.close().catch(() => {});
  }

  private take(size: number): Buffer {
    const fits = this.spare.findIndex((b) => b.length >= size);
    if (fits >= 0) return this.spare.splice(fits, 1)[0]!.subarray(0, size);
    return Buffer.allocUnsafeSlow(size);
  }
}

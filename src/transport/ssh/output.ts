// Per-stream output capture that keeps only the tail past a byte cap: the end of a log is
// what explains a failure, and a runaway command must not exhaust the controller's memory.

export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = false;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Compact only when well over the cap so a chatty stream costs O(n) overall.
    if (this.size > this.maxBytes * 2 + 65536) this.compact();
  }

  get truncated(): boolean {
    return this.dropped || this.size > this.maxBytes;
  }

  text(): string {
    this.compact();
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    let start = 0;
    // A cut may land inside a UTF-8 sequence: skip its continuation bytes.
    if (this.dropped) while (start < buf.length && start < 4 && (buf[start]! & 0xc0) === 0x80) start++;
    return buf.subarray(start).toString('utf8');
  }

  private compact(): void {
    if (this.size <= this.maxBytes) return;
    const all = Buffer.concat(this.chunks);
    this.chunks = [all.subarray(all.length - this.maxBytes)];
    this.size = this.maxBytes;
    this.dropped = true;
  }
}

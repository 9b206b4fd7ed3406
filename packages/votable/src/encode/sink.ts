/**
 * A growable byte buffer with big-endian writers (VOTable 1.4 §5.4: "Most Significant Byte first"). Encoders append
 * rows to it; the stream layer takes the bytes out in chunks. DataView accessors are used because V8 inlines them.
 */
export class ByteSink {
  buf: Uint8Array;
  view: DataView;
  len = 0;

  constructor(capacity = 64 * 1024) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  reserve(n: number): void {
    if (this.len + n > this.buf.length) this.grow(this.len + n);
  }

  private grow(min: number): void {
    let cap = this.buf.length * 2;
    while (cap < min) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.len++] = v;
  }

  i16(v: number): void {
    this.reserve(2);
    this.view.setInt16(this.len, v);
    this.len += 2;
  }

  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.len, v);
    this.len += 4;
  }

  i64(v: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.len, v);
    this.len += 8;
  }

  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.len, v);
    this.len += 4;
  }

  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.len, v);
    this.len += 8;
  }

  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }

  /** Removes and returns (a copy of) the first `n` bytes. */
  take(n = this.len): Uint8Array {
    const out = this.buf.slice(0, n);
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    return out;
  }

  /** A view of the bytes so far, valid until the next write. */
  view0(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

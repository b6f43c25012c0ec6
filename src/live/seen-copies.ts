/**
 * The largest copy of each response reported so far, per message id, for a stream that runs for
 * days over a history of hundreds of thousands of responses (ccost tail, ccost serve). A Map of id
 * strings to objects cost about 170 bytes per id (the string, the entry, the object); this keeps a
 * 64-bit hash of the id and one number, 16 bytes a slot, in typed arrays. Two ids that share all 64
 * bits (odds about 1 in 10^9 over a million ids) would only mislabel the stream's copy of one
 * response (`replaces`, or not reported): the ledger, and every total, never use this. Pure.
 */

/** Two independent 32-bit hashes of the id's UTF-16 code units (FNV-1a, and a multiply-xorshift). */
function hashes(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0, Math.imul(b ^ (b >>> 13), 0xc2b2ae35) >>> 0];
}

export interface SeenCopy {
  tokens: number;
  sidechain: boolean;
}

const EMPTY = -1;

export class SeenCopies {
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  /** tokens * 2 + sidechain; EMPTY in a free slot. Exact for any count below 2^52. */
  private value = new Float64Array(1024).fill(EMPTY);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: string): SeenCopy | undefined {
    const [a, b] = hashes(id);
    const v = this.value[this.slot(a, b)]!;
    return v === EMPTY ? undefined : { tokens: Math.floor(v / 2), sidechain: v % 2 === 1 };
  }

  set(id: string, copy: SeenCopy): void {
    const [a, b] = hashes(id);
    this.put(a, b, copy.tokens * 2 + (copy.sidechain ? 1 : 0));
  }

  /** Every id of `other` with its copy (a feed taking over from another). */
  addAll(other: SeenCopies): void {
    for (let i = 0; i < other.value.length; i++) if (other.value[i] !== EMPTY) this.put(other.hi[i]!, other.lo[i]!, other.value[i]!);
  }

  private put(a: number, b: number, v: number): void {
    const at = this.slot(a, b);
    if (this.value[at] === EMPTY) {
      this.count++;
      this.hi[at] = a;
      this.lo[at] = b;
    }
    this.value[at] = v;
    // Linear probing stays short below three quarters full.
    if (this.count * 4 > this.value.length * 3) this.grow();
  }

  /** The slot holding this hash, or the free slot where it would go. */
  private slot(a: number, b: number): number {
    const mask = this.value.length - 1;
    let i = (a ^ Math.imul(b, 0x27d4eb2d)) & mask;
    while (this.value[i] !== EMPTY && (this.hi[i] !== a || this.lo[i] !== b)) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const { hi, lo, value } = this;
    this.hi = new Uint32Array(value.length * 2);
    this.lo = new Uint32Array(value.length * 2);
    this.value = new Float64Array(value.length * 2).fill(EMPTY);
    this.count = 0;
    for (let i = 0; i < value.length; i++) if (value[i] !== EMPTY) this.put(hi[i]!, lo[i]!, value[i]!);
  }
}

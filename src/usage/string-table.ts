/** Distinct strings in order of first use, each referred to by its place (-1: none). For compact encodings. */
export class StringTable {
  readonly strings: string[] = [];
  private readonly at = new Map<string, number>();

  ref(s: string | null): number {
    if (s === null) return -1;
    let i = this.at.get(s);
    if (i === undefined) {
      this.at.set(s, (i = this.strings.length));
      this.strings.push(s);
    }
    return i;
  }
}

/**
 * The exact text of a number in a JSON document. `JSON.parse` turns every number into an IEEE double, so an
 * integer beyond 2^53 - 1 loses digits (`9007199254740993` reads as `9007199254740992`): two bunq objects
 * with distinct ids would share one. Node 20 has no reviver access to the source text, so the few numbers
 * that must stay exact are read back from the text, by the path `JSON.parse` found them at.
 */

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** A scanner over text that is known to be valid JSON (it already went through `JSON.parse`). */
class Scanner {
  private index = 0;

  constructor(private readonly text: string) {}

  private skipWhitespace(): void {
    while (WHITESPACE.has(this.text[this.index] ?? '')) this.index += 1;
  }

  /** Reads the string at the cursor and returns its decoded value. */
  private readString(): string {
    const start = this.index;
    this.index += 1;
    while (this.text[this.index] !== '"') this.index += this.text[this.index] === '\\' ? 2 : 1;
    this.index += 1;
    return JSON.parse(this.text.slice(start, this.index)) as string;
  }

  /** Skips the value at the cursor (iteratively: nesting depth costs no stack). */
  private skipValue(): void {
    let depth = 0;
    do {
      this.skipWhitespace();
      const char = this.text[this.index];
      if (char === '"') this.readString();
      else if (char === '{' || char === '[') {
        depth += 1;
        this.index += 1;
      } else if (char === '}' || char === ']') {
        depth -= 1;
        this.index += 1;
      } else if (char === ',' || char === ':') this.index += 1;
      else {
        // A number, true, false or null: up to the next delimiter.
        while (!/[\s,:\]}]/.test(this.text[this.index] ?? ',')) this.index += 1;
      }
    } while (depth > 0);
  }

  /**
   * The raw number at `path` from the cursor's value, or null when that is not a number. When an object
   * repeats a key, the last one counts, as in `JSON.parse`.
   */
  numberAt(path: readonly string[]): string | null {
    this.skipWhitespace();
    const [key, ...rest] = path;
    if (key === undefined) {
      NUMBER.lastIndex = this.index;
      const match = NUMBER.exec(this.text);
      if (match === null) {
        this.skipValue();
        return null;
      }
      this.index += match[0].length;
      return match[0];
    }
    if (this.text[this.index] !== '{') {
      this.skipValue();
      return null;
    }
    this.index += 1;
    let found: string | null = null;
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.index] === '}') break;
      if (this.text[this.index] === ',') {
        this.index += 1;
        continue;
      }
      const member = this.readString();
      this.skipWhitespace();
      this.index += 1; // ':'
      if (member === key) found = this.numberAt(rest);
      else this.skipValue();
    }
    this.index += 1;
    return found;
  }
}

/**
 * The source text of the number at `path` (object keys from the root) in `text`, which must be valid JSON;
 * null when there is no number there.
 */
export function rawNumberAt(text: string, path: readonly string[]): string | null {
  return new Scanner(text).numberAt(path);
}

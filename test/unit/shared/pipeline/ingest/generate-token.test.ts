/** The one callback token generator: 256 bits, URL-safe, and never a first character a shell reads as a flag. */
import {
  callbackTokenSecretSchema,
  generateCallbackToken,
} from '../../../../../shared/pipeline/ingest/token';

describe('generateCallbackToken', () => {
  it('draws again when the token would start with "-" or "_"', () => {
    // base64url of a first byte 0xF8 starts with "-" (62), of 0xFC with "_" (63), of 0x00 with "A".
    const draws = [0xf8, 0xfc, 0x00].map((first) =>
      Buffer.concat([Buffer.from([first]), Buffer.alloc(31, 7)]),
    );
    let calls = 0;
    const token = generateCallbackToken((size) => {
      expect(size).toBe(32);
      calls += 1;
      return draws.shift() ?? Buffer.alloc(32);
    });
    expect(calls).toBe(3);
    expect(token.startsWith('A')).toBe(true);
    expect(token).toHaveLength(43);
  });

  it('gives tokens the secret accepts, none starting with "-" (2,000 draws; 1 in 32 would without the rule)', () => {
    const tokens = Array.from({ length: 2_000 }, () => generateCallbackToken());
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{42}$/);
      expect(callbackTokenSecretSchema.safeParse({ token }).success).toBe(true);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});

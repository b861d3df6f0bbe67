/** docs/COST.md's generated blocks: replaced between their markers, the rest left as written. */
import { MissingMarkerError, replaceGenerated } from '../../../bench/cost-doc';

describe('replaceGenerated', () => {
  it('replaces only the named block', () => {
    const text =
      'intro\n<!-- generated:a -->\nold\n<!-- /generated:a -->\nmiddle\n<!-- generated:b -->\nkeep\n<!-- /generated:b -->\n';
    const out = replaceGenerated(text, 'a', 'new table');
    expect(out).toBe(
      'intro\n<!-- generated:a -->\nnew table\n<!-- /generated:a -->\nmiddle\n<!-- generated:b -->\nkeep\n<!-- /generated:b -->\n',
    );
    expect(replaceGenerated(out, 'a', 'new table')).toBe(out);
  });

  it('fails, naming the markers, when a block is missing', () => {
    expect(() => replaceGenerated('no markers', 'a', 'x')).toThrow(MissingMarkerError);
    expect(() => replaceGenerated('no markers', 'a', 'x')).toThrow(/<!-- generated:a -->/);
  });
});

/** The soak accounting: every acknowledged callback is one event, one dead letter, doubled or lost. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { account, accountingFails, formatAccounting, readJsonLines } from '../../../bench/accounting';

const event = (objectId: number) => ({ detail: { objectId } });
const letter = (objectId: number, reason: string, base64 = false) => {
  const body = `{"NotificationUrl":{"object":{"Payment":{"id":${objectId},"alias":{"id":7}}}}}`;
  return base64
    ? { reason, body: Buffer.from(body).toString('base64'), bodyEncoding: 'base64' }
    : { reason, body, bodyEncoding: 'utf8' };
};

describe('account', () => {
  it('passes when every acknowledged callback is exactly one event or one dead letter', () => {
    const a = account(
      [1, 2, 3, 4],
      [event(1), event(2)],
      [letter(3, 'invalid-message'), letter(4, 'x', true)],
    );
    expect(a).toMatchObject({ acknowledged: 4, exactlyOnce: 2, lost: [], doubled: [], unacknowledged: 0 });
    expect([...a.deadLettered]).toEqual([
      ['invalid-message', 1],
      ['x', 1],
    ]);
    expect(accountingFails(a)).toBe(false);
    expect(formatAccounting(a).at(-1)).toBe('accounting PASS');
  });

  it('names the lost, the doubled and those both published and parked, and fails', () => {
    const a = account(
      [1, 2, 3, 4],
      [event(1), event(2), event(2), event(3), event(9)],
      [letter(3, 'max-receive-count-exceeded')],
    );
    expect(a).toMatchObject({ exactlyOnce: 1, doubled: [2], eventAndDeadLetter: [3], lost: [4] });
    expect(a.unacknowledged).toBe(1);
    expect(accountingFails(a)).toBe(true);
    expect(formatAccounting(a).join('\n')).toMatch(
      /LOST \(no event, no letter\) {2}1 \(e\.g\. object id 4\)/,
    );
  });

  it('counts a repeated 200 for one object id once', () => {
    expect(account([5, 5], [event(5)], []).acknowledged).toBe(1);
  });

  it('counts lines it cannot read an object id from', () => {
    expect(account([1], [event(1), { detail: {} }], [{ reason: 'r', body: 'not json' }]).unreadable).toBe(2);
  });
});

describe('readJsonLines', () => {
  it('reads every line, a torn one as {}', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accounting-'));
    try {
      const path = join(dir, 'events.jsonl');
      writeFileSync(path, '{"a":1}\n\n{"a":2}\n{"a":');
      expect(await readJsonLines(path, (line) => line)).toEqual([{ a: 1 }, { a: 2 }, {}]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

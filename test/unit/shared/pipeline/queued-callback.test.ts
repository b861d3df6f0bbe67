import {
  decodeQueuedCallback,
  encodeBody,
  encodeQueuedCallback,
  MalformedQueueMessageError,
  queueMessageSize,
} from '../../../../shared/pipeline/queued-callback';

const meta = { receivedAt: '2026-01-01T00:00:00.000Z', sourceIp: '185.40.108.1', requestId: 'r-1' };

describe('queued callback codec', () => {
  it('carries JSON text as the message body itself', () => {
    const body = Buffer.from('{"NotificationUrl":{"category":"MUTATION"}}');
    const message = encodeQueuedCallback({ body, ...meta });
    expect(message.body).toBe(body.toString('utf8'));
    expect(message.attributes).toEqual({ ...meta, bodyEncoding: 'utf8' });
    expect(decodeQueuedCallback(message, 'x')).toEqual({ body, ...meta });
  });

  it.each([
    ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0x41])],
    ['a NUL byte', Buffer.from('{"a":"\u0000"}')],
    ['a control character SQS refuses', Buffer.from('\u0001')],
    ['U+FFFF', Buffer.from('\uffff')],
  ])('base64-encodes a body with %s and restores it byte-exact', (_, body) => {
    const message = encodeQueuedCallback({ body, ...meta });
    expect(message.attributes.bodyEncoding).toBe('base64');
    expect(decodeQueuedCallback(message, 'x').body.equals(body)).toBe(true);
  });

  it('keeps tabs, newlines, a byte-order mark and astral characters as text', () => {
    const text = '\ufeff{\n\t"emoji": "💶"\r\n}';
    expect(encodeBody(Buffer.from(text))).toEqual({ body: text, encoding: 'utf8' });
  });

  it('falls back to the given receive time when the metadata is missing', () => {
    expect(decodeQueuedCallback({ body: '{}', attributes: {} }, 'fallback')).toMatchObject({
      receivedAt: 'fallback',
      sourceIp: 'unknown',
    });
  });

  it('refuses an unknown body encoding', () => {
    expect(() => decodeQueuedCallback({ body: '', attributes: { bodyEncoding: 'gzip' } }, 'x')).toThrow(
      MalformedQueueMessageError,
    );
  });

  it('carries how a rebuilt callback was recovered, and refuses an unknown value', () => {
    const body = Buffer.from('{"NotificationUrl":{"category":"MUTATION"}}');
    const message = encodeQueuedCallback({ body, ...meta, recoveredBy: 'reconciliation' });
    expect(message.attributes.recoveredBy).toBe('reconciliation');
    expect(decodeQueuedCallback(message, 'x')).toEqual({ body, ...meta, recoveredBy: 'reconciliation' });
    expect(() => decodeQueuedCallback({ body: '{}', attributes: { recoveredBy: 'magic' } }, 'x')).toThrow(
      /unknown recoveredBy attribute "magic"/,
    );
  });

  it('counts body and attributes as SQS does', () => {
    expect(queueMessageSize({ body: 'é', attributes: { ab: 'cd' } })).toBe(2 + 2 + 6 + 2);
  });
});

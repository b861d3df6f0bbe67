/** Realistic callback bodies of 2 to 12 KB, built from the spec-shaped fixtures. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '..', 'test', 'fixtures', `${name}.json`), 'utf8')) as Record<
    string,
    unknown
  >;

const BASES = ['mutation-payment', 'card-transaction', 'request-inquiry', 'partner-user-provision'];

/** An attachment-like entry as bunq nests them (avatars, images, URLs): about 400 bytes each. */
function attachment(i: number): Record<string, unknown> {
  return {
    attachment_public_uuid: `229705c3-9d5c-424f-abc4-${String(i).padStart(12, '0')}`,
    height: 640,
    width: 640,
    content_type: 'image/png',
    urls: [
      {
        type: 'ORIGINAL',
        url: `https://bunq-static.example/bunq_file/File/content/${'e'.repeat(64)}${i}.png`,
      },
    ],
  };
}

/** `count` bodies cycling through the object types, padded to sizes spread between 2 and 12 KB. */
export function callbackBodies(count: number): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const base = fixture(BASES[i % BASES.length] as string) as {
      NotificationUrl: { object: Record<string, Record<string, unknown>> };
    };
    const [type] = Object.keys(base.NotificationUrl.object);
    const object = base.NotificationUrl.object[type as string] as Record<string, unknown>;
    object.id = 100_000 + i;
    const target = 2_048 + ((i * 977) % 10_240);
    const extras: unknown[] = [];
    object.attachment = extras;
    let text = JSON.stringify(base);
    while (Buffer.byteLength(text) < target) {
      extras.push(attachment(extras.length));
      text = JSON.stringify(base);
    }
    bodies.push(text);
  }
  return bodies;
}

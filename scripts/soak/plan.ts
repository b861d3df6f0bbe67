/**
 * What the soak sends: a seeded mix of genuine callbacks (bunq's examples with fresh ids), bunq-style
 * repeats and every kind of bad request, each with the answer it calls for.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from './options';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = ['partner-user-provision', 'mutation-payment', 'card-transaction', 'request-inquiry'];
/** The runtime's body limit in this run (small, so oversized bodies are cheap to send). */
export const MAX_BODY_BYTES = 16_384;

/** mulberry32: a small seeded PRNG, so a run's mix can be replayed with `--seed`. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type Kind =
  | 'genuine'
  | 'repeat'
  | 'wrong-token'
  | 'wrong-method'
  | 'not-json'
  | 'not-utf8'
  | 'not-envelope'
  | 'oversized';

/** The mix: mostly genuine callbacks and bunq-style repeats, with every kind of bad request in it. */
export const MIX: readonly (readonly [Kind, number])[] = [
  ['genuine', 0.6],
  ['repeat', 0.18],
  ['wrong-token', 0.07],
  ['not-json', 0.05],
  ['not-utf8', 0.02],
  ['not-envelope', 0.03],
  ['oversized', 0.03],
  ['wrong-method', 0.02],
];

export const EXPECTED_STATUS: Record<Kind, number> = {
  genuine: 200,
  repeat: 200,
  'wrong-token': 403,
  'wrong-method': 405,
  'not-json': 200,
  'not-utf8': 200,
  'not-envelope': 200,
  oversized: 413,
};

export interface Planned {
  readonly kind: Kind;
  readonly method: string;
  /** The token in the path. */
  readonly token: string;
  readonly body: Buffer;
  /** The object id of a genuine callback or repeat. */
  readonly objectId: number | null;
}

interface Template {
  readonly json: { NotificationUrl: { object: Record<string, Record<string, unknown>> } };
  readonly type: string;
}

function loadTemplates(): Template[] {
  return FIXTURES.map((name) => {
    const json = JSON.parse(
      readFileSync(join(ROOT, 'test', 'fixtures', `${name}.json`), 'utf8'),
    ) as Template['json'];
    const [type] = Object.keys(json.NotificationUrl.object);
    if (type === undefined) throw new Error(`fixture ${name} has no object`);
    return { json, type };
  });
}

function genuineBody(template: Template, id: number): Buffer {
  const copy = structuredClone(template.json);
  const object = copy.NotificationUrl.object[template.type] as Record<string, unknown>;
  copy.NotificationUrl.object[template.type] = { ...object, id };
  return Buffer.from(JSON.stringify(copy), 'utf8');
}

export function plan(options: Options, token: string): Planned[] {
  const random = prng(options.seed);
  const templates = loadTemplates();
  const genuine: Planned[] = [];
  const planned: Planned[] = [];
  const pick = (): Kind => {
    let roll = random();
    for (const [kind, share] of MIX) {
      roll -= share;
      if (roll < 0) return kind;
    }
    return 'genuine';
  };
  const wrongToken = (): string => {
    const at = Math.floor(random() * token.length);
    const swapped = token[at] === 'A' ? 'B' : 'A';
    return random() < 0.5 ? `${token.slice(0, at)}${swapped}${token.slice(at + 1)}` : token.slice(0, -1);
  };
  for (let i = 0; i < options.count; i += 1) {
    let kind = pick();
    if (kind === 'repeat' && genuine.length === 0) kind = 'genuine';
    if (kind === 'genuine' && options.distinct > 0 && genuine.length >= options.distinct) kind = 'repeat';
    const item = ((): Planned => {
      switch (kind) {
        case 'genuine': {
          const template = templates[Math.floor(random() * templates.length)] as Template;
          const objectId = 1_000_000 + i;
          const made: Planned = {
            kind,
            method: 'POST',
            token,
            body: genuineBody(template, objectId),
            objectId,
          };
          genuine.push(made);
          return made;
        }
        case 'repeat': {
          // Mostly a recent one (bunq retries within minutes), sometimes any earlier one.
          const window = random() < 0.8 ? Math.min(genuine.length, 50) : genuine.length;
          const original = genuine[genuine.length - 1 - Math.floor(random() * window)] as Planned;
          return { ...original, kind };
        }
        case 'wrong-token':
          return {
            kind,
            method: 'POST',
            token: wrongToken(),
            body: genuineBody(templates[0] as Template, -i),
            objectId: null,
          };
        case 'wrong-method':
          return {
            kind,
            method: random() < 0.5 ? 'GET' : 'PUT',
            token,
            body: Buffer.alloc(0),
            objectId: null,
          };
        case 'not-json':
          return {
            kind,
            method: 'POST',
            token,
            body: Buffer.from(`not json #${i} ${'<'.repeat(i % 64)}`),
            objectId: null,
          };
        case 'not-utf8':
          return {
            kind,
            method: 'POST',
            token,
            body: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), randomBytes(64)]),
            objectId: null,
          };
        case 'not-envelope':
          return {
            kind,
            method: 'POST',
            token,
            body: Buffer.from(JSON.stringify({ hello: i })),
            objectId: null,
          };
        case 'oversized':
          return {
            kind,
            method: 'POST',
            token,
            body: Buffer.alloc(MAX_BODY_BYTES + 1 + (i % 4_096), 0x20),
            objectId: null,
          };
      }
    })();
    planned.push(item);
  }
  return planned;
}

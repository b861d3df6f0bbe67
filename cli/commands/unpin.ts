/** `unpin`: remove pinned certificates at bunq (by id, or all of the user's), so callbacks flow unchecked. */
import type { Command } from '../command';
import { NotFoundError, UsageError } from '../errors';
import { BUNQ_OPTIONS, COMMON_OPTIONS } from '../options';

export const UNPIN_OPTIONS = {
  id: {
    type: 'string',
    value: '<id>',
    multiple: true,
    description: 'id of the pin to remove (see `status`)',
  },
  all: { type: 'boolean', description: "remove every pin of the bunq user (all integrations' pins)" },
  'dry-run': { type: 'boolean', description: 'show what would be removed' },
} as const;

export const unpinCommand: Command = {
  name: 'unpin',
  summary: 'remove pinned certificates at bunq',
  description:
    'Removes certificate pins at bunq, by --id (see `bunq-webhooks status`) or --all. Without a pin bunq checks ' +
    'callback certificates the ordinary way only. Pins belong to the bunq user, not to one integration.',
  sections: [
    { title: 'Options', options: UNPIN_OPTIONS },
    { title: 'bunq', options: BUNQ_OPTIONS },
    { title: 'Common', options: COMMON_OPTIONS },
  ],
  examples: [
    'bunq-webhooks unpin --stack BunqWebhooks --id 12',
    'bunq-webhooks unpin --stack BunqWebhooks --all --dry-run',
  ],
  exitCodes: [
    '0  removed, nothing pinned (--all), or dry run',
    '1  bunq failed',
    '2  neither --id nor --all, or a bad id',
    '3  no pin with that --id',
  ],
  async run(context) {
    const { flags } = context;
    const all = flags.boolean('all');
    const dryRun = flags.boolean('dry-run');
    const ids = (flags.list('id') ?? []).map((text) => {
      const id = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(id) || id <= 0)
        throw new UsageError(`--id must be a positive whole number, got "${text}"`);
      return id;
    });
    if (all === ids.length > 0) {
      throw new UsageError(
        'Say what to unpin: --id <id> (repeatable; `bunq-webhooks status` lists the ids) or --all.',
      );
    }
    const session = await context.bunq();
    const pins = await session.client.listCertificatesPinned(session.userId);
    const known = new Set(pins.map((pin) => pin.id));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length > 0) {
      throw new NotFoundError(
        `No pinned certificate ${missing.join(', ')} for user ${session.userId}; pinned: ${pins.length === 0 ? 'none' : pins.map((pin) => pin.id).join(', ')}.`,
      );
    }
    const targets = all ? [...known] : [...new Set(ids)];
    if (!dryRun) {
      for (const id of targets) {
        await session.client.deleteCertificatePinned(session.userId, id);
        context.progress(`unpinned ${id}`);
      }
    }
    const text =
      targets.length === 0
        ? `Nothing pinned for user ${session.userId}.`
        : `${dryRun ? 'Would remove' : 'Removed'} pin(s) ${targets.join(', ')} of user ${session.userId}.${dryRun ? ' Dry run: nothing was written.' : ''}`;
    return {
      json: {
        command: 'unpin',
        dryRun,
        userId: session.userId,
        removed: dryRun ? [] : targets,
        wouldRemove: dryRun ? targets : [],
      },
      text,
    };
  },
};

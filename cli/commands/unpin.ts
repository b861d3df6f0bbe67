/** `unpin`: remove pinned certificates at bunq (by id, or all of the user's), so callbacks flow unchecked. */

import type { CommandOutput } from '../command';
import { defineCommand } from '../command-table';
import type { CliContext } from '../context';
import { NotFoundError, UsageError } from '../errors';

async function unpin(context: CliContext): Promise<CommandOutput> {
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
}

export const unpinCommand = defineCommand('unpin', unpin);

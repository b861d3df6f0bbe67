/**
 * `bunq-webhooks trigger <CATEGORY>`: sends one realistic bunq callback of that category (from the project's
 * fixtures, with a fresh object id and times) to the local runtime or a deployed endpoint, and says what
 * happened: the callback it sent, the answer, and what the answer means.
 */

import { primaryAmount } from '../../shared/bunq/callback/amount';
import { CALLBACK_CATEGORIES } from '../../shared/bunq/callback/categories';
import { resolveCallbackTarget } from '../callback-target';
import type { CommandOutput } from '../command';
import { defineCommand } from '../command-table';
import type { CliContext } from '../context';
import { EXIT, OperationError, UsageError } from '../errors';
import {
  type CallbackFixture,
  fixtureFor,
  freshCallback,
  projectFixtures,
  projectRoot,
  readFixture,
} from '../trigger-fixtures';

/** What an answer means for the sender, by status (the endpoint's contract). */
function meaning(status: number): string {
  if (status === 200)
    return 'accepted: the callback is durably queued; its event follows (see the runtime log)';
  if (status === 401 || status === 403)
    return "refused: wrong token in the URL, or a source address the endpoint does not allow (a deployed endpoint takes only bunq's range, ingest.allowedSourceCidrs)";
  if (status === 404) return 'not found: the URL path is not /callbacks/<token>';
  if (status === 413) return 'refused: the body is larger than ingest.maxBodyBytes';
  if (status >= 500) return 'not kept: the endpoint could not queue it (bunq would retry)';
  return 'unexpected answer';
}

function listing(fixtures: readonly CallbackFixture[]): CommandOutput {
  const categories = Object.keys(CALLBACK_CATEGORIES).sort();
  const rows = categories.map((category) => {
    const fixture = fixtureFor(category, fixtures);
    return { category, objectType: fixture?.objectType ?? null, fixture: fixture?.file ?? null };
  });
  const width = Math.max(...categories.map((category) => category.length)) + 2;
  const text = rows
    .map((row) =>
      row.fixture === null
        ? `${row.category.padEnd(width)}(no documented object: pass --fixture <file>)`
        : `${row.category.padEnd(width)}${row.objectType} from ${row.fixture}`,
    )
    .join('\n');
  return { json: { command: 'trigger', categories: rows }, text };
}

async function targetUrl(context: CliContext): Promise<string> {
  const text = context.flags.string('url') ?? (await resolveCallbackTarget(context, true)).url;
  if (text === undefined) {
    throw new UsageError('Missing --url <callback URL>: the URL `npm start` prints, or --stack <name>.');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${context.flags.label('url')} must be an absolute URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${context.flags.label('url')} must be http:// or https://, got "${url.protocol}"`);
  }
  return url.toString();
}

async function trigger(context: CliContext): Promise<CommandOutput> {
  const root = projectRoot();
  const fixtures = projectFixtures(root);
  if (context.flags.boolean('list')) return listing(fixtures);
  const [category, ...extra] = context.positionals;
  if (category === undefined || extra.length > 0) {
    throw new UsageError(
      'Give one category: bunq-webhooks trigger <CATEGORY> --url <url>, e.g. MUTATION (bunq-webhooks trigger --list shows them).',
    );
  }
  if (!/^[A-Z][A-Z0-9_]*$/.test(category)) {
    throw new UsageError(
      `"${category}" is not a bunq category; they are capitals as bunq sends them (did you mean ${category.toUpperCase()}?).`,
    );
  }
  const fixtureFile = context.flags.string('fixture');
  const chosen =
    fixtureFile === undefined
      ? fixtureFor(category, fixtures)
      : readFixture(fixtureFile, process.cwd(), '--fixture');
  if (chosen === undefined) {
    throw new UsageError(
      `No fixture for ${category}: bunq documents no object for it. Pass --fixture <file> with a bunq callback body.`,
    );
  }
  const fixture: CallbackFixture =
    chosen.category === category
      ? chosen
      : { ...chosen, category, body: { NotificationUrl: { ...chosen.body.NotificationUrl, category } } };
  const url = await targetUrl(context);
  const fresh = freshCallback(fixture, url, context.now());
  const object = (fresh.body.NotificationUrl.object as Record<string, unknown>)[fixture.objectType];
  const amount = primaryAmount(fixture.objectType, object);
  const what = `${category} ${fixture.objectType}${fresh.objectId === null ? '' : ` ${fresh.objectId}`}${amount === null ? '' : `, ${amount.value} ${amount.currency}`}`;
  context.progress(`sending ${what} (from ${fixture.file})`);

  const started = Date.now();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'bunq-webhooks-trigger' },
      body: JSON.stringify(fresh.body),
    });
  } catch (error) {
    const reason =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new OperationError(
      `POST ${context.showUrl(url)} failed: ${reason}. Is the endpoint running (npm start prints its URL)?`,
      { cause: error },
    );
  }
  const answer = (await response.text()).slice(0, 500);
  const ms = Date.now() - started;
  const ok = response.status === 200;
  const json = {
    command: 'trigger',
    category,
    eventType: fresh.body.NotificationUrl.event_type ?? null,
    objectType: fixture.objectType,
    objectId: fresh.objectId,
    amount,
    fixture: fixture.file,
    url: context.showUrl(url),
    status: response.status,
    answer,
    meaning: meaning(response.status),
  };
  const text = [
    `POST ${context.showUrl(url)} -> ${response.status} ${response.statusText} (${ms} ms)`,
    `  ${what}, updated ${fresh.time}`,
    `  ${meaning(response.status)}`,
    ...(ok || answer === '' ? [] : [`  answer: ${answer}`]),
  ].join('\n');
  return { json, text, exitCode: ok ? EXIT.ok : EXIT.failure };
}

export const triggerCommand = defineCommand('trigger', trigger);

/**
 * Redaction of secrets in log lines (ARCHITECTURE principle 6). One list of secret field names, from bunq's
 * specs and this project: a value under such a key is replaced wherever it sits in a log line, at any depth.
 * Strings are scrubbed as well, for secrets quoted inside text (an error message that embeds JSON or a URL):
 * `"authorization_code":"…"` pairs, URL query parameters with a secret name (and OAuth's `code`), and the
 * token segment of the callback URL (`/callbacks/<token>`).
 *
 * Key matching ignores case and separators, so `token_value`, `tokenValue` and `Token-Value` are one name.
 * Fields that only look similar (`token_status`, `pin_status`, `authorisation_status`) are not secrets and
 * stay: only exact names match.
 */

/** The replacement of every redacted value. */
export const REDACTED = '[REDACTED]';

/**
 * Field names whose values are secret. Where each comes from:
 * - partner API: `authorization_code` (OAuth request), `token_value` (credential), `secret` (OAuth client),
 *   `password` (UserCredential); public spec: `token_value` (UserCredentialPasswordIp, PSP credential),
 *   `secret` (DeviceServer, SessionServer: the API key), `token` (Installation/SessionServer tokens,
 *   iDEAL/SOFORT QR tokens), `oauth_code` (TransferwiseUser), `pin_code` (Card, CardPinAssignment),
 *   `cvc2`, `card_generated_cvc2` (CardGeneratedCvc2, Card), `activation_code` (Card);
 * - the bunq API client and its state: `api_key`, `session_token`, `installation_token`, `private_key`,
 *   `client_private_key`, the `X-Bunq-Client-Authentication` header;
 * - OAuth in general: `client_secret`, `access_token`, `refresh_token`, the HTTP `authorization` header
 *   and `cookie`;
 * - URLs that carry a secret: `target_url` and `notification_target` (the callback URL holds the callback
 *   token), `redirect_url` (bunq appends the OAuth `code` to it), `callback_token`.
 */
export const SECRET_FIELDS = [
  'authorization_code',
  'token_value',
  'secret',
  'password',
  'token',
  'oauth_code',
  'pin_code',
  'pin',
  'cvc',
  'cvc2',
  'cvv',
  'card_generated_cvc2',
  'activation_code',
  'api_key',
  'session_token',
  'installation_token',
  'private_key',
  'client_private_key',
  'x_bunq_client_authentication',
  'client_secret',
  'access_token',
  'refresh_token',
  'authorization',
  'cookie',
  'target_url',
  'notification_target',
  'redirect_url',
  'callback_token',
] as const;

/** `Token-Value`, `tokenValue`, `token_value` → `tokenvalue`. */
const canonical = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

const SECRET_KEYS: ReadonlySet<string> = new Set(SECRET_FIELDS.map(canonical));

/** Whether a value under `key` is secret. */
export function isSecretField(key: string): boolean {
  return SECRET_KEYS.has(canonical(key));
}

/**
 * The start of a `"key": "` pair inside text, also when that JSON itself sits in a JSON string
 * (`\"key\": \"`): group 1 the escaping backslashes, group 2 the key. The value is found by hand, so a
 * pair that is not secret consumes nothing past its opening quote (its value may hold more JSON).
 */
const PAIR_OPENING = /(\\*)"([A-Za-z0-9_-]{1,64})\1"\s*:\s*\1"/g;

/** Where the string value opened at `from` ends: the first quote preceded by exactly `escapes` backslashes. */
function closingQuote(text: string, from: number, escapes: number): number {
  for (let at = text.indexOf('"', from); at !== -1; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (text[at - 1 - backslashes] === '\\') backslashes += 1;
    if (backslashes === escapes) return at - escapes;
  }
  return text.length;
}

function redactQuotedPairs(text: string): string {
  const pairs = new RegExp(PAIR_OPENING.source, 'g');
  let result = '';
  let copied = 0;
  for (let match = pairs.exec(text); match !== null; match = pairs.exec(text)) {
    const [opening, escaping = '', key = ''] = match;
    if (!isSecretField(key)) continue;
    const valueStart = match.index + opening.length;
    const valueEnd = closingQuote(text, valueStart, escaping.length);
    result += `${text.slice(copied, valueStart)}${REDACTED}`;
    copied = valueEnd;
    pairs.lastIndex = valueEnd;
  }
  return result + text.slice(copied);
}

/** `?name=value` or `&name=value` in a URL. OAuth's authorization `code` is only scrubbed here. */
const QUERY_PARAMETER = /([?&;])([A-Za-z0-9_.-]{1,64})=([^&#\s"'\\]*)/g;

/** The token segment of this pipeline's callback URL. */
const CALLBACK_PATH = /(\/callbacks\/)([^/?#\s"'\\]+)/g;

/** A string with secrets quoted inside it replaced. */
export function redactText(text: string): string {
  if (text.length < 8) return text;
  return redactQuotedPairs(text)
    .replace(QUERY_PARAMETER, (match, lead: string, name: string) =>
      isSecretField(name) || name.toLowerCase() === 'code' ? `${lead}${name}=${REDACTED}` : match,
    )
    .replace(CALLBACK_PATH, `$1${REDACTED}`);
}

/**
 * A JSON replacer (for `JSON.stringify` and Powertools Logger's `jsonReplacerFn`): secret fields become
 * {@link REDACTED}, strings are scrubbed with {@link redactText}. Objects are left to the caller to walk, so it
 * composes with Powertools' own replacer (errors, BigInt, circular references).
 */
export function redactingJsonReplacer(key: string, value: unknown): unknown {
  if (key !== '' && isSecretField(key) && value !== null && value !== undefined) return REDACTED;
  return typeof value === 'string' ? redactText(value) : value;
}

/** A deep copy of a JSON-like value with secrets redacted (for values logged outside a JSON logger). */
export function redact<T>(value: T): T {
  const json = JSON.stringify(value, redactingJsonReplacer);
  return json === undefined ? value : (JSON.parse(json) as T);
}

/** One JSON call to a running bunq simulator (its control API under `/_simulator`, or bunq's own routes). */

// biome-ignore lint/suspicious/noExplicitAny: control answers are read field by field in each test.
export type SimulatorJson = any;

/** `method path` at the simulator's `origin`, `body` as JSON: the status and the parsed answer. */
export async function simulatorCall(
  origin: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: SimulatorJson }> {
  const answer = await fetch(`${origin}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: answer.status, json: await answer.json() };
}

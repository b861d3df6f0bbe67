/**
 * `npm start` stopped with SIGTERM while clients hold it open: an idle keep-alive connection, a client
 * dribbling a body and one that never finishes its headers. npm itself exits at once; the runtime drains
 * what it accepted and exits, without waiting for any of those clients (they are still sending when it is
 * gone).
 */
import { rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { destroyAgents, killStartedRuntimes, startRuntimeProcess, status } from '../support/runtime-process';
import { distinctCallback, processRuntimeFiles, readEvents, TEST_TOKEN } from './helpers';

jest.setTimeout(240_000);

let dir: string | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  destroyAgents();
  await killStartedRuntimes();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

function open(port: number, head: string): { socket: Socket; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  socket.write(head);
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve())) };
}

describe('npm start and SIGTERM', () => {
  it('drains what it accepted and exits, not held open by idle or slow connections', async () => {
    const files = await processRuntimeFiles('drain');
    dir = files.dir;
    const { eventsFile } = files;
    // Timeouts far beyond the test's: only the drain itself may cut these clients off.
    const runtime = await startRuntimeProcess(
      [...files.args, '--body-timeout-ms', '600000', '--headers-timeout-ms', '600000'],
      true,
    );
    const path = `/callbacks/${TEST_TOKEN}`;
    const ids = Array.from({ length: 50 }, (_, k) => 7_000_000 + k);
    for (const id of ids) expect(await status(runtime.port, 'POST', path, distinctCallback(id))).toBe(200);
    // The keep-alive agent's connections stay open and idle.
    const slowBody = open(
      runtime.port,
      `POST ${path} HTTP/1.1\r\nhost: local\r\ncontent-length: 100000\r\n\r\n`,
    );
    const slowHeaders = open(runtime.port, `POST ${path} HTTP/1.1\r\nhost: local\r\n`);
    let dribbling = true;
    const dribble = (async () => {
      while (dribbling) {
        slowBody.socket.write('x');
        slowHeaders.socket.write('x');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    runtime.signal('SIGTERM');
    await runtime.gone();
    // The clients were still sending when the last runtime process exited.
    expect(dribbling).toBe(true);
    dribbling = false;
    await dribble;
    await Promise.all([slowBody.closed, slowHeaders.closed]);

    const published = (await readEvents(eventsFile)).map((event) => Number(event.detail.objectId));
    expect(published.sort((a, b) => a - b)).toEqual(ids);
    expect(runtime.output()).toContain('"drained":true');
  });
});

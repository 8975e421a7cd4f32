import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { after, before, test } from 'node:test';
import { MapmintClient } from '../../sdk/index.ts';
import { declareFiles } from '../../sdk/node.ts';
import { makeFile, sha256 } from '../support/files.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => s.close());

/** A loopback TCP proxy that cuts every connection after `cutAfter` bytes from the client, `cuts` times. */
async function flakyProxy(
  target: URL,
  cutAfter: number,
  cuts: number,
): Promise<{ url: string; cutsDone: () => number; close(): Promise<void> }> {
  let done = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    let seen = 0;
    const cut = done < cuts;
    client.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (cut && seen > cutAfter) {
        done++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (c: Buffer) => client.write(c));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cutsDone: () => done,
    close: () =>
      new Promise((r) => {
        for (const x of sockets) x.destroy();
        server.close(() => r());
      }),
  };
}

test('an upload whose connection is killed halfway resumes and the server copy is byte-identical', async () => {
  const { client: direct } = await s.client();
  const file = await makeFile(s.dir, 'flaky.mp4', 'mp4', 3_000_000);
  const [d] = await declareFiles([file]);
  const up = await direct.createUpload({ device: { make: 'Acme', model: 'Cam' }, files: [d!] });
  // Through a proxy that kills the first two connections after ~1.2 MB: tus resumes from the server's offset.
  const proxy = await flakyProxy(new URL(s.baseUrl), 1_200_000, 2);
  try {
    const viaProxy = new MapmintClient({ baseUrl: proxy.url, token: direct.token });
    const offsets: number[] = [];
    await viaProxy.sendFile(up.id, 0, await readFile(file), d!.size, {
      chunkSize: 512 * 1024,
      retryDelays: [50, 100, 200, 400, 800],
      onProgress: (sent) => offsets.push(sent),
    });
    assert.ok(proxy.cutsDone() >= 1, 'the connection was really cut');
  } finally {
    await proxy.close();
  }
  const after = await direct.getUpload(up.id);
  assert.equal(after.status, 'received');
  const stored = await s.blobs.getBuffer(`sha256/${d!.sha256.slice(0, 2)}/${d!.sha256}`);
  assert.equal(sha256(stored), sha256(await readFile(file)));
});

test('a new client process resumes a transfer from its URL and offset', async () => {
  const { client } = await s.client();
  const file = await makeFile(s.dir, 'resume.mp4', 'mp4', 1_000_000);
  const bytes = await readFile(file);
  const [d] = await declareFiles([file]);
  const up = await client.createUpload({ device: { make: 'Acme', model: 'Cam' }, files: [d!] });
  // First process: creates the transfer and sends only the first 400 KB (as if the app was killed).
  const create = await fetch(`${s.baseUrl}/v1/files`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${client.token}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(d!.size),
      'upload-metadata': `uploadId ${Buffer.from(up.id).toString('base64')},fileIndex ${Buffer.from('0').toString('base64')}`,
    },
  });
  assert.equal(create.status, 201);
  const location = new URL(create.headers.get('location')!, s.baseUrl).toString();
  const patch = await fetch(location, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${client.token}`,
      'tus-resumable': '1.0.0',
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
    },
    body: bytes.subarray(0, 400_000),
  });
  assert.equal(patch.status, 204);
  // Second process: resumes from the stored URL; tus asks the server for the offset and sends only the rest.
  let firstReported = -1;
  await client.sendFile(up.id, 0, bytes, d!.size, {
    resumeUrl: location,
    onProgress: (sent) => {
      if (firstReported < 0) firstReported = sent;
    },
  });
  assert.ok(firstReported >= 400_000, `resumed at ${firstReported}`);
  const stored = await s.blobs.getBuffer(`sha256/${d!.sha256.slice(0, 2)}/${d!.sha256}`);
  assert.equal(sha256(stored), sha256(bytes));
  assert.equal((await client.getUpload(up.id)).status, 'received');
});

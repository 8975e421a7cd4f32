import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { nodeFileReader } from '../../sdk/node.ts';
import { mulberry32 } from '../support/prng.ts';

let dir: string;
let file: string;
let bytes: Buffer;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-reader-'));
  file = path.join(dir, 'drive.mp4');
  const next = mulberry32(7);
  bytes = Buffer.from(Array.from({ length: 1_000_003 }, () => Math.floor(next() * 256)));
  await writeFile(file, bytes);
});
after(async () => rm(dir, { recursive: true, force: true }));

type Slice = { value: (Buffer | Readable) & { size: number }; done: boolean };

/** Opens the file through the reader as tus-js-client does. */
async function open() {
  const source = (await nodeFileReader.openFile(createReadStream(file), 0)) as unknown as {
    size: number;
    slice(start: number, end: number): Promise<Slice>;
    close(): void;
  };
  return source;
}

test('slices taken one after another are the file bytes, although they share one buffer', async () => {
  const source = await open();
  assert.equal(source.size, bytes.length);
  const chunk = 300_000;
  const seen: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunk) {
    const { value, done } = await source.slice(at, at + chunk);
    assert.ok(Buffer.isBuffer(value));
    const expected = bytes.subarray(at, Math.min(at + chunk, bytes.length));
    assert.equal(value.size, expected.length, 'size is the Content-Length tus sends');
    assert.deepEqual(Buffer.from(value), expected);
    assert.equal(done, at + chunk >= bytes.length);
    seen.push(Buffer.from(value));
  }
  assert.deepEqual(Buffer.concat(seen), bytes, 'chunked reads equal the whole file');
  source.close();
});

test('a resumed slice starts at any offset', async () => {
  const source = await open();
  const { value } = await source.slice(123_457, 623_457);
  assert.deepEqual(Buffer.from(value as Buffer), bytes.subarray(123_457, 623_457));
  source.close();
});

test('a file that shrank after it was declared is refused rather than sent short', async () => {
  const copy = path.join(dir, 'shrinking.mp4');
  await writeFile(copy, bytes);
  const source = (await nodeFileReader.openFile(createReadStream(copy), 0)) as unknown as {
    slice(start: number, end: number): Promise<Slice>;
  };
  await truncate(copy, 500_000);
  await assert.rejects(source.slice(400_000, 800_000), /shorter than its declared/);
  assert.deepEqual(await readFile(copy), bytes.subarray(0, 500_000));
});

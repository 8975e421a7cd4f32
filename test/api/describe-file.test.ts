import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFile, KNOWN_EXTENSIONS } from '../../api/index.ts';
import { CONTENT_TYPES } from '../../uploads/index.ts';

// One rule for the CLI (by path) and the browser form (by File.name): roles and types the server accepts.
test('describeFile: role and content type from the name, any case, either path separator', () => {
  assert.deepEqual(describeFile('/media/sd/DCIM/20240101_0800.MP4'), { role: 'video', contentType: 'video/mp4' });
  assert.deepEqual(describeFile('C:\\cam\\clip.mov'), { role: 'video', contentType: 'video/quicktime' });
  assert.deepEqual(describeFile('drive.gpx'), { role: 'track', contentType: 'application/gpx+xml' });
  assert.deepEqual(describeFile('DJI_0001.SRT'), { role: 'telemetry', contentType: 'text/plain' });
  assert.deepEqual(describeFile('photo.JPEG'), { role: 'image', contentType: 'image/jpeg' });
  // No extension, a hidden file, a dot in a folder name: sidecars.
  for (const name of ['README', '.gpx', 'cam.d/notes'])
    assert.deepEqual(describeFile(name), { role: 'sidecar', contentType: 'application/octet-stream' }, name);
});

test('describeFile: every known extension maps to a content type the server accepts for its role', () => {
  assert.ok(KNOWN_EXTENSIONS.length >= 10);
  for (const ext of KNOWN_EXTENSIONS) {
    const d = describeFile(`x${ext}`);
    assert.notEqual(d.role, 'sidecar', ext);
    assert.ok(CONTENT_TYPES[d.role].includes(d.contentType), `${ext}: ${d.role} ${d.contentType}`);
  }
});

import { crc32 } from '../../src/checkpoint/crc32';
import * as zlib from 'node:zlib';

/** The reference: CRC-32 as zlib stores it in a gzip trailer (little-endian, the 8 bytes before the end). */
function zlibCrc(bytes: Uint8Array): number {
  const gz = zlib.gzipSync(bytes);
  return gz.readUInt32LE(gz.length - 8);
}

test('crc32 matches zlib on the standard check value, empty input, every length up to 40 and a large buffer', () => {
  expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  expect(crc32(new Uint8Array(0))).toBe(0);
  const bytes = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 2654435761) >>> 24);
  for (let n = 1; n <= 40; n++) expect(crc32(bytes.subarray(3, 3 + n))).toBe(zlibCrc(bytes.subarray(3, 3 + n)));
  expect(crc32(bytes)).toBe(zlibCrc(bytes));
});

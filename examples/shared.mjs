// Small helpers the Node examples share.

/** mulberry32: a seeded uniform [0, 1) generator, so splits, pairs and augmentation repeat exactly. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cosine similarity of each pair of rows `a[i]`, `b[i]`: the verification score. */
export function pairCosines(a, b) {
  return a.map((u, i) => {
    let dot = 0;
    let nu = 0;
    let nv = 0;
    for (let c = 0; c < u.length; c++) {
      dot += u[c] * b[i][c];
      nu += u[c] * u[c];
      nv += b[i][c] * b[i][c];
    }
    return dot / Math.sqrt(nu * nv);
  });
}

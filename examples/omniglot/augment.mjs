// Random affine distortion of ink images in plain typed-array code: it runs the same on every backend
// (tf.image.transform has no kernel on tfjs-node's tensorflow backend) and costs ~0.1 ms an image.
// Ranges from Koch, Zemel & Salakhutdinov 2015 (siamese one-shot on Omniglot), scaled to the image.

/**
 * Default ranges: rotation ±10°, shear ±0.3, scale 0.8-1.2 per axis, shift ±2/28 of the side, and no
 * elastic warp (`elastic`: the largest displacement of the warp's control points, as a fraction of the
 * side; see {@link randomAffine}).
 */
export const AFFINE = { rotate: (10 * Math.PI) / 180, shear: 0.3, scale: 0.2, shift: 2 / 28, elastic: 0 };

/** Control points per side of the elastic warp: 4 × 4, a smooth bend over about a third of the side. */
const ELASTIC_POINTS = 4;

/**
 * A random smooth displacement field over a size×size image: each of ELASTIC_POINTS² control points
 * moves by a uniform ±`amplitude` pixels per axis, and every pixel's displacement is the bilinear
 * interpolation of its four control points — a cheap stand-in for Simard et al. 2003's Gaussian-smoothed
 * random field (elastic distortion of handwriting), with the same kind of local, stroke-bending warp.
 * Returns [dx, dy] per pixel, row-major.
 */
function elasticField(size, amplitude, rand) {
  const n = ELASTIC_POINTS;
  const grid = Float64Array.from({ length: 2 * n * n }, () => (2 * rand() - 1) * amplitude);
  const field = new Float64Array(2 * size * size);
  const step = (size - 1) / (n - 1);
  for (let y = 0; y < size; y++) {
    const gy = Math.min(y / step, n - 1 - 1e-9);
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let x = 0; x < size; x++) {
      const gx = Math.min(x / step, n - 1 - 1e-9);
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      // The four control points' offsets in `grid`: (x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1).
      const c00 = 2 * (y0 * n + x0);
      const c01 = c00 + 2 * n;
      for (let axis = 0; axis < 2; axis++) {
        field[2 * (y * size + x) + axis] =
          (1 - fy) * ((1 - fx) * grid[c00 + axis] + fx * grid[c00 + 2 + axis]) +
          fy * ((1 - fx) * grid[c01 + axis] + fx * grid[c01 + 2 + axis]);
      }
    }
  }
  return field;
}

/**
 * Writes a randomly distorted copy of `src` (size×size) into `dst`, bilinear, zero ink outside.
 * `rand` is a uniform [0, 1) generator so the distortion is seeded. With `ranges.elastic` > 0 each
 * output pixel is first displaced by a random smooth field (up to `elastic`·size pixels at its control
 * points), then mapped through the affine transform; with 0 the generator is drawn exactly as without it.
 */
export function randomAffine(src, dst, size, rand, ranges = AFFINE) {
  const u = (r) => (2 * rand() - 1) * r;
  const theta = u(ranges.rotate);
  const shx = u(ranges.shear);
  const shy = u(ranges.shear);
  const sx = 1 + u(ranges.scale);
  const sy = 1 + u(ranges.scale);
  const tx = u(ranges.shift) * size;
  const ty = u(ranges.shift) * size;
  // Forward map A = R(θ) · [[1, shx], [shy, 1]] · diag(sx, sy); sample the source at A⁻¹ (p − c − t) + c for each output pixel p.
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const m00 = c * sx - s * shy * sx;
  const m01 = c * shx * sy - s * sy;
  const m10 = s * sx + c * shy * sx;
  const m11 = s * shx * sy + c * sy;
  const det = m00 * m11 - m01 * m10;
  const i00 = m11 / det;
  const i01 = -m01 / det;
  const i10 = -m10 / det;
  const i11 = m00 / det;
  const center = (size - 1) / 2;
  const elastic = (ranges.elastic ?? 0) > 0 ? elasticField(size, ranges.elastic * size, rand) : null;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const k = 2 * (y * size + x);
      const px = x - center - tx + (elastic === null ? 0 : elastic[k]);
      const py = y - center - ty + (elastic === null ? 0 : elastic[k + 1]);
      const qx = i00 * px + i01 * py + center;
      const qy = i10 * px + i11 * py + center;
      const x0 = Math.floor(qx);
      const y0 = Math.floor(qy);
      const fx = qx - x0;
      const fy = qy - y0;
      const at = (xx, yy) => (xx >= 0 && yy >= 0 && xx < size && yy < size ? src[yy * size + xx] : 0);
      dst[y * size + x] =
        (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
        fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
}

/**
 * `src` (size×size) turned by `quarterTurns` × 90° clockwise, mirrored left–right first when `mirror`:
 * the exact pixel permutation, so a rotated character is as sharp as the original (Xu et al. 2018
 * train on these as new identities).
 */
export function rotateInk(src, size, quarterTurns, mirror = false) {
  const out = new Float32Array(size * size);
  const last = size - 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sx = mirror ? last - x : x;
      let sy = y;
      // Clockwise quarter turn: out(x, y) = in(y, last − x), applied `quarterTurns` times.
      for (let t = 0; t < quarterTurns % 4; t++) [sx, sy] = [sy, last - sx];
      out[y * size + x] = src[sy * size + sx];
    }
  }
  return out;
}

/** `src` (size×size) shifted by whole pixels (`dx` right, `dy` down) into `dst`, zero ink shifted in. */
export function shiftInk(src, dst, size, dx, dy) {
  for (let y = 0; y < size; y++) {
    const sy = y - dy;
    for (let x = 0; x < size; x++) {
      const sx = x - dx;
      dst[y * size + x] = sx >= 0 && sy >= 0 && sx < size && sy < size ? src[sy * size + sx] : 0;
    }
  }
}

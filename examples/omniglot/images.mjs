// Image decoding and resizing shared by the Omniglot loader and the runs-folder reader. Omniglot
// draws black strokes on white; the network sees ink (1 = stroke, 0 = paper) at `size`×`size`.
import { PNG } from 'pngjs';

/** Decodes a PNG buffer to grey levels in [0, 1] (1 = white), any bit depth or colour type. */
export function decodePng(buffer, name = 'image') {
  let png;
  try {
    png = PNG.sync.read(buffer);
  } catch (err) {
    throw new Error(`${name}: not a readable PNG image (${err.message})`);
  }
  const { width, height, data } = png;
  const grey = new Float32Array(width * height);
  for (let i = 0; i < grey.length; i++) {
    // pngjs always returns RGBA8; transparent pixels count as paper.
    const a = data[4 * i + 3] / 255;
    const lum = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) / 255;
    grey[i] = a * lum + (1 - a);
  }
  return { width, height, grey };
}

/**
 * Ink image `size`×`size` from grey levels by area averaging (each output pixel is the mean of the
 * source area it covers, fractional edges weighted), so thin strokes survive the 105 → 28 reduction.
 */
export function toInk({ width, height, grey }, size) {
  const out = new Float32Array(size * size);
  const sx = width / size;
  const sy = height / size;
  for (let oy = 0; oy < size; oy++) {
    const y0 = oy * sy;
    const y1 = y0 + sy;
    for (let ox = 0; ox < size; ox++) {
      const x0 = ox * sx;
      const x1 = x0 + sx;
      let sum = 0;
      for (let y = Math.floor(y0); y < Math.min(height, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(width, Math.ceil(x1)); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          sum += wy * wx * (1 - grey[y * width + x]);
        }
      }
      out[oy * size + ox] = sum / (sx * sy);
    }
  }
  return out;
}

/** Writes an ink image (1 = stroke) as a black-on-white greyscale PNG buffer. */
export function encodeInkPng(ink, size) {
  const png = new PNG({ width: size, height: size, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const data = Buffer.alloc(size * size);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(255 * (1 - Math.min(1, Math.max(0, ink[i]))));
  png.data = data;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

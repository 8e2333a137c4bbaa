// Image decoding and resizing shared by the Omniglot loader and the runs-folder reader. Omniglot
// draws black strokes on white; the network sees ink (1 = stroke, 0 = paper) at `size`×`size`.
import { PNG } from 'pngjs';
import { toInk } from './drawing.mjs';

export { toInk };

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

/** Writes an ink image (1 = stroke) as a black-on-white greyscale PNG buffer. */
export function encodeInkPng(ink, size) {
  const png = new PNG({ width: size, height: size, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const data = Buffer.alloc(size * size);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(255 * (1 - Math.min(1, Math.max(0, ink[i]))));
  png.data = data;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

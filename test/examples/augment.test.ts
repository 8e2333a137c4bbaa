import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * The Omniglot example's training-image transforms (examples/omniglot/augment.mjs, strokes.mjs): exact
 * quarter turns and mirrors (the ×4/×8 identities), whole-pixel shifts (test-time averaging), the pen
 * trajectory parser and the re-drawing that the stroke augmentation uses. ESM, so a probe runs them.
 */
const root = path.resolve(__dirname, '../..');

describe('[examples] Omniglot image transforms', () => {
  const out = JSON.parse(
    execFileSync(process.execPath, [path.join(root, 'test/examples/augmentProbe.mjs')], {
      cwd: root,
      encoding: 'utf8',
    }),
  ) as {
    dihedral: number;
    identity: boolean;
    corner: number[];
    shifted: number[];
    elastic: { zeroSame: boolean; maxShift: number; maxStep: number; seeded: boolean };
    parsed: number[][][];
    bad: string | null;
    strokes: number;
    meanIoU: number;
    pageIoU: number;
    pageSoftIoU: number;
    emptyInk: number;
  };

  test('rotations: 8 distinct dihedral images, 4 quarter turns are the identity, a turn is clockwise', () => {
    expect(out.dihedral).toBe(8);
    expect(out.identity).toBe(true);
    // 5×5 image 1..25: clockwise, the top-left takes the bottom-left (21), the top-right the top-left (1).
    expect(out.corner).toEqual([21, 1]);
  });

  test('shifts move whole pixels and bring in blank paper', () => {
    // Shifted 1 right, 2 down: (0, 0) is paper; (1, 2) holds the source's (0, 0) = 1.
    expect(out.shifted).toEqual([0, 1]);
  });

  test('elastic warp: none at 0 (the same draws), bounded by its amplitude, smooth, seeded', () => {
    expect(out.elastic.zeroSame).toBe(true);
    // ±2 px at the control points; bilinear between them, so no pixel moves further.
    expect(out.elastic.maxShift).toBeLessThanOrEqual(2 + 1e-4);
    expect(out.elastic.maxShift).toBeGreaterThan(0.5);
    // Control points 9 px apart: neighbours differ by at most 2·2/9 px.
    expect(out.elastic.maxStep).toBeLessThanOrEqual((2 * 2) / 9 + 1e-4);
    expect(out.elastic.seeded).toBe(true);
  });

  test('pen trajectories: strokes split at BREAK, y flipped back, a bad line named', () => {
    expect(out.parsed).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
      [[5, 6]],
    ]);
    expect(out.bad).toMatch(/bad\.txt: bad point line "1,x,0"/);
  });

  test('every drawing has its strokes, and re-drawn they cover the scanned ink', () => {
    expect(out.strokes).toBe(4840);
    expect(out.meanIoU).toBeGreaterThan(0.65);
  });

  test("the page's drawing path (drawing.mjs drawingToInk) reproduces the PNGs the network was trained on", () => {
    // Trajectories are frame pixel indices; without the half-pixel the IoU drops to about 0.80.
    expect(out.pageIoU).toBeGreaterThan(0.9);
    expect(out.pageSoftIoU).toBeGreaterThan(0.8);
    expect(out.emptyInk).toBe(0);
  });
});

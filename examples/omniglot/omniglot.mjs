// The vendored Omniglot background sets (data/, MIT, Lake et al. 2015): 8 alphabets, 242 characters,
// 20 drawers each. Characters are the "identities"; whole alphabets are held out to test on identities
// (and scripts) never seen in training, as face recognition tests on people never seen in training.
import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { decodePng, toInk } from './images.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
export const DATA_DIR = path.join(here, 'data');
const ZIPS = ['images_background_small1.zip', 'images_background_small2.zip'];

/**
 * Loads every character of the vendored zips (Greek and Latin are in both; merged by
 * `<alphabet>/<character>/<file>`). Returns alphabets sorted by name, characters sorted by name,
 * each with its drawings as `{file, drawer, png, ink}` (`png` the original bytes, `ink` size×size,
 * `framing` and `inkSpread` as drawing.mjs's `toInk`).
 */
export function loadOmniglot({ size = 28, dir = DATA_DIR, framing = 'frame', inkSpread } = {}) {
  const files = new Map();
  for (const zip of ZIPS) {
    const entries = unzipSync(new Uint8Array(readFileSync(path.join(dir, zip))), {
      filter: (f) => f.name.endsWith('.png'),
    });
    for (const [name, bytes] of Object.entries(entries)) {
      const parts = name.split('/');
      if (parts.length !== 4)
        throw new Error(`${zip}: unexpected entry ${name} (want <set>/<alphabet>/<character>/<png>)`);
      files.set(parts.slice(1).join('/'), bytes);
    }
  }
  const byAlphabet = new Map();
  for (const key of [...files.keys()].sort()) {
    const [alphabet, character, file] = key.split('/');
    const drawer = Number(/_(\d+)\.png$/.exec(file)?.[1]);
    const png = Buffer.from(files.get(key));
    const ink = toInk(decodePng(png, key), size, framing, inkSpread);
    if (!byAlphabet.has(alphabet)) byAlphabet.set(alphabet, new Map());
    const chars = byAlphabet.get(alphabet);
    if (!chars.has(character)) chars.set(character, []);
    chars.get(character).push({ file, drawer, png, ink });
  }
  return [...byAlphabet].map(([name, chars]) => ({
    name,
    characters: [...chars].map(([character, drawings]) => ({ name: `${name}/${character}`, drawings })),
  }));
}

/**
 * Held-out alphabet splits for `--holdout auto` (the development protocol: `--splits 4`): each holds
 * out two alphabets, about a quarter of the characters; together they hold out all eight. Tagalog
 * (17 characters) has too few characters for 20-way runs: its split's runs come from Japanese.
 */
export const AUTO_SPLITS = [
  ['Greek', 'Sanskrit'],
  ['Korean', 'Latin'],
  ['Balinese', 'Early_Aramaic'],
  ['Japanese_(katakana)', 'Tagalog'],
];

import { random } from '../shared.mjs';

export { random };

/** Fisher-Yates shuffle of a copy. */
export function shuffled(list, rand) {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Splits alphabets into training characters and held-out alphabets. `holdout`: alphabet names
 * (every one must exist) or `[]` (train on all).
 */
export function splitAlphabets(alphabets, holdout) {
  const names = alphabets.map((a) => a.name);
  for (const h of holdout) {
    if (!names.includes(h)) throw new Error(`--holdout: no alphabet "${h}"; the alphabets are ${names.join(', ')}`);
  }
  const train = alphabets.filter((a) => !holdout.includes(a.name));
  const heldOut = alphabets.filter((a) => holdout.includes(a.name));
  if (train.length === 0) throw new Error('--holdout: every alphabet is held out; nothing is left to train on');
  return { train, heldOut };
}

/** How many drawings (training images before any rotation) `alphabets` hold together. */
export function countDrawings(alphabets) {
  return alphabets.reduce((n, a) => n + a.characters.reduce((m, c) => m + c.drawings.length, 0), 0);
}

/**
 * 20-way one-shot runs in the standard protocol from held-out alphabets: per run, one alphabet, `ways`
 * random characters, two different random drawers (one gives the training image of every character,
 * the other the test image). Alphabets with fewer than `ways` characters are skipped.
 */
export function makeRuns(alphabets, { runsPerAlphabet = 10, ways = 20, seed = 1 } = {}) {
  const rand = random(seed);
  const runs = [];
  for (const alphabet of alphabets) {
    if (alphabet.characters.length < ways) continue;
    for (let r = 0; r < runsPerAlphabet; r++) {
      const chars = shuffled(alphabet.characters, rand).slice(0, ways);
      const drawers = chars[0].drawings.map((d) => d.drawer);
      const [trainDrawer, testDrawer] = shuffled(drawers, rand);
      const pick = (c, drawer) => c.drawings.find((d) => d.drawer === drawer) ?? c.drawings[0];
      runs.push({
        alphabet: alphabet.name,
        training: chars.map((c) => pick(c, trainDrawer)),
        test: chars.map((c) => pick(c, testDrawer)),
      });
    }
  }
  return runs;
}

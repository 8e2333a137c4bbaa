import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * The Node examples keep working: the Omniglot open-set benchmark's `--quick` path (one-shot lines,
 * table, saved embedders, figures, and `--load` evaluating a saved model on a runs folder), the face-style MNIST comparison in a tiny configuration (table,
 * JSON and all three figures as PNG and SVG) and the add-a-head / save-load / gallery script. They
 * import the built package (`npm test` builds first).
 */
const root = path.resolve(__dirname, '../..');
const run = (script: string, args: string[]) =>
  execFileSync(process.execPath, [path.join(root, script), ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

describe('[examples]', () => {
  test('examples/omniglot/train.mjs --quick: two heads and a pair loss, one-shot lines, table, saved embedders, --load', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'tfjs-margin-omniglot-'));
    // With the elastic warp on top of the affine distortions (off by default), so its wiring runs too.
    const stdout = run('examples/omniglot/train.mjs', [
      '--quick',
      '--heads',
      'softmax,arcface,supcon',
      '--elastic',
      '1',
      '--out',
      out,
    ]);
    expect(stdout).toMatch(/^backend tensorflow \(tfjs-node/m);
    // The preset's margins are printed with the recipe (softmax and the pair loss have none).
    expect(stdout).toMatch(/each drawing framed about its ink; margins ArcFace 0\.3$/m);
    expect(stdout).toMatch(/random affine augmentation and elastic warp ±1 px/);
    const lines = stdout.split('\n').filter((l) => l.startsWith('one-shot '));
    expect(lines).toHaveLength(3);
    // supcon: a pair loss (no head), trained on m-per-class batches.
    for (const [i, head] of ['softmax', 'arcface', 'supcon'].entries()) {
      expect(lines[i]).toMatch(new RegExp(`^one-shot ${head}: error \\d+\\.\\d% \\(20-way, 8 runs\\)$`));
      // Trained for two epochs on 176 characters, every head is far better than chance (95% error).
      expect(Number(/error (\d+\.\d)%/.exec(lines[i]!)![1])).toBeLessThan(85);
      expect(existsSync(path.join(out, head, 'embedder', 'model.json'))).toBe(true);
    }
    expect(stdout).toMatch(/\| ArcFace \| \d+\.\d% \| [+-]?\d+\.\d \(\d\/1 better\) \| \d+\.\d% \|/);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as {
      results: Record<string, { trainings: { auc: number; precisionAt1: number }[] }>;
    };
    for (const head of ['softmax', 'arcface', 'supcon']) {
      expect(results.results[head]!.trainings[0]!.auc).toBeGreaterThan(0.6);
      expect(results.results[head]!.trainings[0]!.precisionAt1).toBeGreaterThan(0.2);
    }
    for (const figure of ['roc', 'one-shot'])
      expect(statSync(path.join(out, `${figure}.png`)).size).toBeGreaterThan(5_000);
    // A saved model on a runs folder in the public layout, no training: the same error as above.
    const runs = path.join(out, 'runs', 'holdout-Greek+Sanskrit');
    const loaded = run('examples/omniglot/train.mjs', ['--load', out, '--runs', runs, '--heads', 'arcface']);
    const again = loaded.split('\n').filter((l) => l.startsWith('one-shot '));
    expect(again).toEqual([lines[1]]);
    // Test-time views (quarter turns side by side) on the same saved model; a bad count is one clear line.
    const viewed = run('examples/omniglot/train.mjs', [
      '--load',
      out,
      '--runs',
      runs,
      '--heads',
      'arcface',
      '--views',
      '4',
    ]);
    expect(viewed).toMatch(/^one-shot arcface: error \d+\.\d% \(20-way, 8 runs\)$/m);
    expect(() => run('examples/omniglot/train.mjs', ['--load', out, '--views', '3'])).toThrow(
      /--views must be 1, 4 or 8 \(got 3\)/,
    );
    expect(() => run('examples/omniglot/train.mjs', ['--quick', '--elastic', '9'])).toThrow(
      /--elastic must be a displacement in pixels in \[0, 4\] \(got "9"\)/,
    );
    expect(() => run('examples/omniglot/train.mjs', ['--quick', '--margins', 'tuned'])).toThrow(
      /--margins must be preset or paper \(got "tuned"\)/,
    );
    expect(() => run('examples/omniglot/train.mjs', ['--quick', '--backbone', 'vgg'])).toThrow(
      /--backbone must be cnn, resnet or resnet-pool \(got "vgg"\)/,
    );
    // The framing is the model's: a bad one, stroke re-drawing without the whole canvas, or a saved
    // model judged in another framing than it was trained in, is one clear line.
    expect(() => run('examples/omniglot/train.mjs', ['--quick', '--framing', 'crop'])).toThrow(
      /--framing must be frame or ink \(got "crop"\)/,
    );
    expect(() => run('examples/omniglot/train.mjs', ['--quick', '--framing', 'ink', '--strokes', '0.5'])).toThrow(
      /--strokes re-draws on the whole canvas: it needs --framing frame/,
    );
    expect(() =>
      run('examples/omniglot/train.mjs', ['--load', out, '--runs', runs, '--heads', 'arcface', '--framing', 'frame']),
    ).toThrow(/--load: arcface was trained with --framing ink; pass --framing ink/);
    // The ink framing's square (RMS radii of ink): only with that framing, in range, and a saved model's own.
    expect(() => run('examples/omniglot/train.mjs', ['--quick', '--framing', 'frame', '--ink-spread', '3'])).toThrow(
      /--ink-spread sizes the ink framing: it needs --framing ink/,
    );
    expect(() => run('examples/omniglot/train.mjs', ['--quick', '--ink-spread', '9'])).toThrow(
      /--ink-spread must be a number in \[2, 8\] \(got "9"\)/,
    );
    expect(() =>
      run('examples/omniglot/train.mjs', ['--load', out, '--runs', runs, '--heads', 'arcface', '--ink-spread', '5']),
    ).toThrow(/--load: arcface was trained with --ink-spread 4; pass --ink-spread 4/);
    // A folder of models saved in different framings: no framing to judge them all in.
    const mixed = mkdtempSync(path.join(tmpdir(), 'tfjs-margin-mixed-'));
    for (const head of ['softmax', 'arcface'])
      cpSync(path.join(out, head), path.join(mixed, head), { recursive: true });
    const softmaxMeta = path.join(mixed, 'softmax', 'meta.json');
    writeFileSync(softmaxMeta, JSON.stringify({ ...JSON.parse(readFileSync(softmaxMeta, 'utf8')), framing: 'frame' }));
    expect(() => run('examples/omniglot/train.mjs', ['--load', mixed, '--runs', runs])).toThrow(
      /--load .*: its models were trained with different --framing values; pass --framing and --heads/,
    );
  });

  test.each([
    // The pooled block: the pool between the two convolutions, and one on the shortcut before its projection.
    ['resnet', 'ResNet', 3],
    ['resnet-pool', 'ResNet \\(pool inside the block\\)', 6],
  ])('examples/omniglot/train.mjs --backbone %s: residual stages train, save and reload', (backbone, label, pools) => {
    const out = mkdtempSync(path.join(tmpdir(), `tfjs-margin-${backbone}-`));
    const args = ['--quick', '--heads', 'arcface', '--backbone', backbone, '--epochs', '1', '--figures', 'false'];
    const stdout = run('examples/omniglot/train.mjs', [...args, '--out', out]);
    expect(stdout).toMatch(new RegExp(`^preset quick: ${label}, width 16,`, 'm'));
    const line = stdout.split('\n').find((l) => l.startsWith('one-shot '));
    expect(line).toMatch(/^one-shot arcface: error \d+\.\d% \(20-way, 8 runs\)$/);
    // One epoch on 176 characters: far better than chance (95% error).
    expect(Number(/error (\d+\.\d)%/.exec(line!)![1])).toBeLessThan(85);
    const model = JSON.parse(readFileSync(path.join(out, 'arcface', 'embedder', 'model.json'), 'utf8')) as {
      modelTopology: { config: { layers: { class_name: string }[] } };
    };
    const classes = model.modelTopology.config.layers.map((l) => l.class_name);
    expect(classes.filter((c) => c === 'Add')).toHaveLength(3);
    expect(classes.filter((c) => c === 'Conv2D')).toHaveLength(9);
    expect(classes.filter((c) => c === 'MaxPooling2D')).toHaveLength(pools);
    const runs = path.join(out, 'runs', 'holdout-Greek+Sanskrit');
    const loaded = run('examples/omniglot/train.mjs', ['--load', out, '--runs', runs, '--heads', 'arcface']);
    expect(loaded.split('\n').filter((l) => l.startsWith('one-shot '))).toEqual([line]);
    expect(() => run('examples/omniglot/train.mjs', ['--backend', 'wasm', ...args, '--out', out])).toThrow(
      new RegExp(`--backbone ${backbone}: the wasm backend has no conv filter gradient`),
    );
  });

  test('examples/omniglot/train.mjs --dry-run: each preset prints its recipe, plan and expected time, and trains nothing', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'tfjs-margin-dry-'));
    const plan = (args: string[]) => run('examples/omniglot/train.mjs', [...args, '--dry-run', '--out', out]);
    const heads = '(softmax, arcface, cosface, magface, elasticface)';
    const byDefault = plan([]);
    expect(byDefault).toMatch(/^preset default: width 32, no dropout, 10 epochs, batch 128, sgd 0\.1,/m);
    expect(byDefault).toContain(`will train 5 head(s) ${heads} × 1 seed(s) × 1 split(s)`);
    expect(byDefault).not.toMatch(/^one-shot /m);
    const full = plan(['--preset', 'full']);
    expect(full).toMatch(/^preset full: ResNet, width 16, dropout 0\.2, 40 epochs,/m);
    // The ResNet's estimate is the plain width 32's × 1.27 (presets.mjs).
    const seconds = (text: string) => Number(/about (\d+) s each/.exec(text)?.[1]);
    expect(seconds(full) / (4 * (seconds(byDefault) - 5))).toBeCloseTo(1.27, 1);
    // wasm trains an MLP: a preset's ResNet at width 16 keeps the plain width 32's.
    expect(plan(['--preset', 'full', '--backend', 'wasm'])).toMatch(/^preset full: MLP, width 32, dropout 0\.2,/m);
    expect(plan(['--quick'])).toMatch(/^preset quick: width 16, dropout 0\.2, 3 epochs,/m);
    expect(existsSync(path.join(out, 'results.json'))).toBe(false);
  });

  test('examples/omniglot/train.mjs --checkpoint: killed after its first epoch, --resume ends with the uninterrupted result', async () => {
    const args = ['--quick', '--heads', 'arcface', '--dropout', '0', '--figures', 'false'];
    const tmp = mkdtempSync(path.join(tmpdir(), 'tfjs-margin-resume-'));
    const oneShot = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('one-shot '));
    const whole = run('examples/omniglot/train.mjs', [...args, '--out', path.join(tmp, 'whole')]);

    const folder = path.join(tmp, 'ckpt');
    const child = spawn(
      process.execPath,
      [path.join(root, 'examples/omniglot/train.mjs'), ...args, '--checkpoint', folder, '--out', path.join(tmp, 'cut')],
      { cwd: root, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const saved = () =>
      existsSync(folder) &&
      readdirSync(folder).some((d) => readdirSync(path.join(folder, d)).some((n) => n.startsWith('step-')));
    while (!saved()) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGKILL');
    await exited;

    const refused = (() => {
      try {
        run('examples/omniglot/train.mjs', [...args, '--checkpoint', folder, '--out', path.join(tmp, 'cut')]);
        return '';
      } catch (error) {
        return String((error as { stderr?: string }).stderr);
      }
    })();
    expect(refused).toMatch(/holds checkpoints of an earlier run; add --resume to continue it/);
    const resumed = run('examples/omniglot/train.mjs', [
      ...args,
      '--checkpoint',
      folder,
      '--resume',
      '--out',
      path.join(tmp, 'cut'),
    ]);
    expect(resumed).toMatch(/resumed from step-\d+: epoch 2, step \d+/);
    expect(oneShot(resumed)).toEqual(oneShot(whole));
    expect(oneShot(whole)).toHaveLength(1);
    // The last epoch's loss and the held-out AUC to every digit: the resumed course is the same one.
    const result = (dir: string) =>
      (
        JSON.parse(readFileSync(path.join(tmp, dir, 'results.json'), 'utf8')) as {
          results: { arcface: { trainings: { loss: number[]; auc: number }[] } };
        }
      ).results.arcface.trainings[0]!;
    expect(result('cut').loss.at(-1)).toBe(result('whole').loss.at(-1));
    expect(result('cut').auc).toBe(result('whole').auc);
  });

  test('examples/mnist/train.mjs: two heads, one epoch, table and figures', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'tfjs-margin-example-'));
    const stdout = run('examples/mnist/train.mjs', [
      '--quick',
      '--epochs',
      '1',
      '--heads',
      'softmax,arcface',
      '--out',
      out,
    ]);
    expect(stdout).toMatch(/\| softmax \| \d+\.\d% \| \d+\.\d% \|/);
    expect(stdout).toMatch(/\| ArcFace \| \d+\.\d% \|/);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as {
      results: Record<string, { verificationAccuracy: { mean: number }; auc: { mean: number } }>;
    };
    for (const head of ['softmax', 'arcface']) {
      expect(results.results[head]!.verificationAccuracy.mean).toBeGreaterThan(0.5);
      expect(results.results[head]!.auc.mean).toBeGreaterThan(0.5);
    }
    for (const figure of ['roc', 'training', 'features-2d']) {
      for (const ext of ['png', 'svg']) {
        const file = path.join(out, `${figure}.${ext}`);
        expect(existsSync(file)).toBe(true);
        expect(statSync(file).size).toBeGreaterThan(5_000);
      }
    }
    const png = readFileSync(path.join(out, 'roc.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  test('examples/gallery/search.mjs: add a head, save/load identically, match a gallery', () => {
    const stdout = run('examples/gallery/search.mjs', []);
    expect(stdout).toMatch(/max \|logit difference\| = 0\b/);
    expect(stdout).toMatch(/identification accuracy on \d+ queries: \d+\.\d%/);
    expect(stdout).toMatch(/P@1 0\.\d{3}, R-precision 0\.\d{3}, MAP@R 0\.\d{3}/);
  });
});

// Bundled by bench/browser/run.mjs: the same benchmark core in Chromium on webgl or webgpu.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import * as margin from 'tfjs-margin';
import { runPlan } from '../core.mjs';
import { planFor } from '../plans.mjs';

globalThis.runBench = async (backend, quick) => {
  tf.env().set('WEBGL_CPU_FORWARD', false);
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (!(await tf.setBackend(backend))) throw new Error(`${backend} did not start`);
  await tf.ready();
  return runPlan(tf, margin, planFor(backend, quick), (line) => console.log(line));
};

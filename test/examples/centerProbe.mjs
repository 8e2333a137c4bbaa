// One-shot scoring about the support mean (examples/omniglot/runs.mjs, `center: 'support'`) on a run
// built by hand in 2-D, printed as JSON for the jest spec: the embeddings are the "images" themselves.
import { oneShotErrors } from '../../examples/omniglot/runs.mjs';

const identity = async (rows) => rows.map((r) => [...r]);
// Support s0 = (1, 0), s1 = (3, 1); the query of class 1, (2.5, 0.3), is nearer s0 in angle about the
// origin (6.8° against 11.6°) but on s1's side of the support mean (2, 0.5).
const run = (offset) => {
  const add = ([x, y]) => [x + offset[0], y + offset[1]];
  return {
    training: [add([1, 0]), add([3, 1])],
    test: [add([2, 0.2]), add([2.5, 0.3])],
    answers: [0, 1],
  };
};
const result = {
  none: await oneShotErrors([run([0, 0])], identity),
  support: await oneShotErrors([run([0, 0])], identity, { center: 'support' }),
  supportShifted: await oneShotErrors([run([100, -50])], identity, { center: 'support' }),
};
try {
  await oneShotErrors([run([0, 0])], identity, { center: 'train' });
} catch (err) {
  result.bad = err.message;
}
console.log(JSON.stringify(result));

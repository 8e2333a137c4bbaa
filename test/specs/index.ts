import './ops.spec';
import './losses.spec';
import './layers.spec';
import './heads.spec';
import './golden.spec';
import './autodiff.spec';
import './training.spec';
export { specs } from '../harness/registry';

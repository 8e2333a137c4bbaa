import { registerBrowserSuite } from '../harness/browserSuite';

registerBrowserSuite('webgl-f16');

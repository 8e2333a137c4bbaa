import { registerBrowserSuite } from '../harness/browserSuite';

registerBrowserSuite('webgl');

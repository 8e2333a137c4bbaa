import { registerBrowserSuite } from '../harness/browserSuite';

registerBrowserSuite('webgpu');

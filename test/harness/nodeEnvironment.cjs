/**
 * Jest's node environment gives each test file its own realm, so typed arrays made by native code
 * (tfjs-node's addon) fail `instanceof Float32Array` inside tfjs. Share the host realm's constructors.
 */
const { TestEnvironment } = require('jest-environment-node');

class SharedTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of [
      'ArrayBuffer',
      'SharedArrayBuffer',
      'DataView',
      'Uint8Array',
      'Uint8ClampedArray',
      'Int8Array',
      'Uint16Array',
      'Int16Array',
      'Uint32Array',
      'Int32Array',
      'Float32Array',
      'Float64Array',
      'BigInt64Array',
      'BigUint64Array',
    ]) {
      this.global[name] = globalThis[name];
    }
  }
}
module.exports = SharedTypedArrayEnvironment;

/** Input pipelines for margin training: class-balanced ("m per class") batches. */
export { classBalancedSampler, type ClassBalancedSampler, type ClassBalancedSamplerArgs } from './classBalancedSampler';

/** Value arrays a matrix may hold. Integer counts are accepted where scanpy accepts them. */
export type FloatArray = Float32Array | Float64Array;
/** Element type names, as in the C ABI suffixes. */
export type DType = 'f32' | 'f64';

/** dtype of a float array. */
export function dtypeOf(a: FloatArray): DType {
  return a instanceof Float32Array ? 'f32' : 'f64';
}

/** Allocates a float array of the given dtype. */
export function allocFloat(dtype: DType, n: number): FloatArray {
  return dtype === 'f32' ? new Float32Array(n) : new Float64Array(n);
}

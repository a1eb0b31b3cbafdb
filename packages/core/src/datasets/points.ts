/** Labelled points as generated, before the split: row-major features, one label per row. */
export interface Points {
  features: Float64Array;
  labels: Int32Array;
  dims: number;
  classes: number;
}

/** Empty storage for n two-dimensional points of k classes. */
export function planarPoints(n: number, classes: number): Points {
  return { features: new Float64Array(n * 2), labels: new Int32Array(n), dims: 2, classes };
}

/** Evenly spaced values from a to b: `endpoint` includes b, as numpy.linspace. */
export function linspace(a: number, b: number, count: number, endpoint = true): Float64Array {
  const out = new Float64Array(count);
  const steps = endpoint ? count - 1 : count;
  for (let i = 0; i < count; i++) out[i] = steps === 0 ? a : a + ((b - a) * i) / steps;
  return out;
}

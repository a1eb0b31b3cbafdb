/** Documented bounds of a RunSpec; anything beyond is a validation error, never a crash or a hang. */
export const LIMITS = {
  /** Samples in a dataset (training + validation). */
  maxSamples: 100_000,
  /** Features per sample of an inline `points` dataset. */
  maxFeatures: 64,
  /** Classes of a generated or inline dataset. */
  maxClasses: 16,
  /** Hidden layers. */
  maxDepth: 64,
  /** Units in one hidden layer. */
  maxWidth: 4096,
  /** Trainable parameters (weights + biases) of one network. */
  maxParameters: 4_000_000,
  /** Activations one pass holds: batch rows × the sum of layer widths (each needs z and h). */
  maxActivations: 16_000_000,
  /** Training epochs. */
  maxEpochs: 10_000,
  /** Bins of an activation histogram. */
  maxHistogramBins: 200,
  /** Samples of the probe set that activation statistics are computed on. */
  maxProbeSamples: 4096,
  /**
   * Numbers one run's trace may hold (traced epochs × (epoch scalars + layers × (layer metrics +
   * histogram bins))): 10,000 epochs traced every epoch fit for nets of up to 9 layers with 30 bins;
   * beyond, trace every k-th epoch. About 16 MB of Postgres per run at the limit.
   */
  maxTraceValues: 4_000_000,
  /** Training work of one run, 6 × parameters × samples × epochs floating-point operations: about 3 h on one CPU core. */
  maxTrainingFlops: 2e14,
  /** Nesting of any JSON document validated (specs, job payloads, results): the deepest real one is 6. */
  maxJsonDepth: 32,
} as const;

/** Documented bounds of a sweep spec. */
export const SWEEP_LIMITS = {
  /** Runs one sweep may expand to. */
  maxRuns: 20_000,
  /** Values of one axis (activations, depths, …). */
  maxAxisValues: 64,
  /** Seeds of one sweep. */
  maxSeeds: 1000,
  /**
   * Numbers of inline (`points`) data one sweep holds over its datasets: each is stored once by its
   * content hash and its runs carry a reference, however many runs use it.
   */
  maxInlineValues: 10_000_000,
  /**
   * Training work of all of a sweep's runs together (each counted as LIMITS.maxTrainingFlops
   * counts one run's): about 300 h on one CPU core, at the rate that limit assumes.
   */
  maxSweepFlops: 2e16,
} as const;

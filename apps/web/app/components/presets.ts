/** Sweep specs that reproduce the classic experiments in one click. */
export const PRESETS: Record<string, { title: string; spec: object }> = {
  "best-practices": {
    title: "activation × init best practices",
    spec: {
      name: "activation × init best practices",
      axes: {
        activations: [{ name: "logistic" }, { name: "tanh" }, { name: "relu" }, { name: "leaky_relu", alpha: 0.01 }],
        initializers: [{ name: "zeros" }, { name: "normal", std: 0.01 }, { name: "normal", std: 1 }, { name: "xavier_normal" }, { name: "he_normal" }],
        depths: [2, 5, 10],
        widths: [64],
        optimizers: ["sgd"],
        learningRates: [0.05],
        datasets: [{ name: "moons", samples: 1280 }],
        seeds: [0, 1, 2],
      },
      fixed: { epochs: 30, batchSize: 32 },
      sampling: { mode: "grid" },
    },
  },
  vanishing: {
    title: "vanishing activations with depth",
    spec: {
      name: "vanishing activations with depth (tanh, N(0, 0.01²))",
      axes: {
        activations: [{ name: "tanh" }],
        initializers: [{ name: "normal", std: 0.01 }, { name: "xavier_normal" }],
        depths: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        widths: [64],
        optimizers: ["sgd"],
        learningRates: [0.05],
        datasets: [{ name: "moons", samples: 1280 }],
        seeds: [0],
      },
      fixed: { epochs: 5, batchSize: 32 },
      sampling: { mode: "grid" },
    },
  },
  "dying-relu": {
    title: "dying ReLU",
    spec: {
      name: "dying ReLU: ReLU vs LeakyReLU, depth and width",
      axes: {
        activations: [{ name: "relu" }, { name: "leaky_relu", alpha: 0.01 }],
        initializers: [{ name: "he_normal" }],
        depths: [2, 4, 8],
        widths: [8, 32, 128],
        optimizers: ["sgd"],
        learningRates: [0.05, 0.5],
        datasets: [{ name: "moons", samples: 1280 }],
        seeds: [0, 1],
      },
      fixed: { epochs: 30, batchSize: 32 },
      sampling: { mode: "grid" },
    },
  },
  symmetry: {
    title: "symmetry breaking",
    spec: {
      name: "symmetry breaking: zeros and constant vs random",
      axes: {
        activations: [{ name: "tanh" }, { name: "relu" }],
        initializers: [{ name: "zeros" }, { name: "constant", value: 0.5 }, { name: "xavier_normal" }, { name: "he_normal" }],
        depths: [2],
        widths: [32],
        optimizers: ["sgd"],
        learningRates: [0.05],
        datasets: [{ name: "moons", samples: 1280 }],
        seeds: [0, 1],
      },
      fixed: { epochs: 30, batchSize: 32 },
      sampling: { mode: "grid" },
    },
  },
};

import {
  createActivation,
  isTracedEpoch,
  layerInfos,
  layerRecord,
  layerStatsOf,
  makeDataset,
  Random,
  summarize,
  symmetry,
  type Activation,
  type Dataset,
  type EpochRecord,
  type LayerInfo,
  type RunSpec,
  type TraceSummary,
} from "@gradtrace/core";
import type { TrainSink } from "@gradtrace/queue";
import type { Gpu } from "./device.ts";
import { STAT_SLOTS, TRAIN_SLOTS } from "./kernels.wgsl.ts";
import { PackDevice } from "./pack-device.ts";
import type { PackKernels } from "./pack-kernels.ts";
import { packKey, planPack, STATE, type Layout } from "./pack-layout.ts";

export { PackKernels } from "./pack-kernels.ts";
export { bytesPerNet, packKey } from "./pack-layout.ts";

/** One run prepared for a pack: its data, activation, layers and the shape that packs share. */
export interface PackMember {
  spec: RunSpec;
  sink: TrainSink;
  signal: AbortSignal;
  /** The spec's dataset, when the caller generated it already (to find the run's pack). */
  data?: Dataset;
}

interface Prepared extends PackMember {
  data: Dataset;
  activation: Activation;
  layers: LayerInfo[];
}

/** How a net of the pack stands. */
interface NetState {
  member: Prepared;
  order: Uint32Array;
  shuffle: Random;
  records: EpochRecord[];
  done: boolean;
  outcome?: TraceSummary | Error;
}

/**
 * Trains runs of one shape together on the GPU — every minibatch one dispatch per layer operation
 * for the whole pack — and streams each run's traced epochs to its sink, as the core's Run does
 * for one. Initial weights, data and shuffles come from the core's seeded code; per-layer
 * statistics are reduced on the GPU and read back only at traced epochs (and at a divergence).
 * Resolves, per member in order, to its summary or to why it stopped (an abort's reason).
 */
export async function trainPack(gpu: Gpu, kernels: PackKernels, members: readonly PackMember[]): Promise<Array<TraceSummary | Error>> {
  const prepared = members.map((m): Prepared => {
    const data = m.data ?? makeDataset(m.spec.dataset);
    const activation = createActivation(m.spec.model.activation);
    return { ...m, data, activation, layers: [] };
  });
  const P = prepared.length;
  const lay = planPack(prepared[0]!.spec, prepared[0]!.data, P);
  for (const m of prepared) {
    m.layers = layerInfos(m.spec, lay.layers, m.activation);
    if (packKey(m.spec, m.data) !== packKey(prepared[0]!.spec, prepared[0]!.data)) throw new Error("a pack's runs must share their shape (see packKey)");
  }
  const L = lay.layers.length;
  const spec0 = prepared[0]!.spec;
  const epochs = spec0.training.epochs;
  const every = spec0.tracing.every;
  const pack = await PackDevice.open(gpu, kernels, prepared, lay);
  try {
    const nets: NetState[] = prepared.map((member) => {
      const order = new Uint32Array(lay.trainN);
      for (let i = 0; i < order.length; i++) order[i] = i;
      return { member, order, shuffle: new Random(member.spec.training.seed, "shuffle"), records: [], done: false };
    });
    await Promise.all(nets.map((n) => n.member.sink.layers(n.member.layers)));
    const finish = (net: NetState, p: number, outcome: TraceSummary | Error) => {
      net.done = true;
      net.outcome = outcome;
      pack.setState(p, STATE.finished);
    };

    // Ends the runs whose members were aborted (a cancel, a prune, a shutdown); true once none is left.
    const stopAborted = () => {
      nets.forEach((net, p) => {
        if (!net.done && net.member.signal.aborted)
          finish(net, p, net.member.signal.reason instanceof Error ? net.member.signal.reason : new Error(String(net.member.signal.reason)));
      });
      return nets.every((n) => n.done);
    };

    let step = 0;
    for (let epoch = 0; epoch <= epochs && !stopAborted(); epoch++) {
      const traced = isTracedEpoch(epoch, epochs, every);
      if (epoch > 0 && spec0.training.shuffle) {
        nets.forEach((net, p) => {
          if (net.done) return;
          net.shuffle.shuffle(net.order);
          pack.writeOrder(p, net.order);
        });
      }
      const trained = await pack.train(step, traced, epoch > 0, stopAborted);
      if (trained === undefined) break;
      step = trained;
      const states = await pack.states();
      const recordNow = nets.map((net, p) => !net.done && (traced || states[p] === STATE.diverged));
      if (!recordNow.some(Boolean)) continue;

      pack.evaluate(step);
      const { acc, tail } = await pack.statistics();
      // Weights come back only for nets with a layer whose units have copies: the rest have symmetry 0.
      const weightsOf = await pack.parameters(
        nets.flatMap((_, p) => (recordNow[p] && lay.layers.some((__, l) => acc[lay.aPairs + p * L + l]! > 0) ? [p] : [])),
      );
      const deliveries: Promise<void>[] = [];
      nets.forEach((net, p) => {
        if (!recordNow[p]) return;
        const record = epochRecord(net.member, p, epoch, lay, acc, tail, weightsOf.get(p));
        net.records.push(record);
        deliveries.push(net.member.sink.epoch(record));
        const diverged = states[p] === STATE.diverged || (record.valLoss !== null && !Number.isFinite(record.valLoss));
        if (diverged || epoch === epochs) finish(net, p, summarize(net.member.layers, net.records, diverged ? epoch : null));
      });
      // A sink that fails (Redis gone for good) fails its run only.
      const delivered = await Promise.allSettled(deliveries);
      let k = 0;
      nets.forEach((net, p) => {
        if (!recordNow[p]) return;
        const result = delivered[k++]!;
        if (result.status === "rejected") finish(net, p, result.reason instanceof Error ? result.reason : new Error(String(result.reason)));
      });
    }
    return nets.map((n) => n.outcome ?? new Error("the pack ended before this run did"));
  } finally {
    pack.destroy();
  }
}

/** Trains specs as one pack, keeping what each run streams: its traced epochs and how it ended. */
export async function trainCollected(
  gpu: Gpu,
  kernels: PackKernels,
  specs: readonly RunSpec[],
): Promise<Array<{ epochs: EpochRecord[]; outcome: TraceSummary | Error }>> {
  const epochs: EpochRecord[][] = specs.map(() => []);
  const members = specs.map((spec, i) => ({
    spec,
    signal: new AbortController().signal,
    sink: { layers: async () => {}, epoch: async (r: EpochRecord) => void epochs[i]!.push(r) },
  }));
  const outcomes = await trainPack(gpu, kernels, members);
  return outcomes.map((outcome, i) => ({ epochs: epochs[i]!, outcome }));
}

/** One net's EpochRecord from the pack's read-back accumulators, histograms, live units and (where a layer has copied units) its weights. */
function epochRecord(m: Prepared, p: number, epoch: number, lay: Layout, acc: Float32Array, tail: Uint32Array, weights: Float32Array | undefined): EpochRecord {
  const L = lay.layers.length;
  // The training split measured after the epoch's updates, or (epoch 0, a divergence, trainMetrics
  // "running") the minibatches' mean.
  const train = TRAIN_SLOTS * p + (m.spec.tracing.trainMetrics === "epoch_end" && acc[TRAIN_SLOTS * p + 5]! > 0 ? 3 : 0);
  const seen = acc[train + 2]!;
  const grad = lay.aGrad + p * (2 * L + 1);
  const steps = acc[grad + 2 * L]! || 1;
  const histBase = p * L * 2 * lay.bins;
  const liveBase = lay.liveBase - lay.histAt + p * lay.hiddenUnits;
  const stats = m.layers.map((info, l) => {
    const s = layerStatsOf(info, lay.bins, m.activation.saturation);
    s.reset();
    s.count = lay.probe * info.units;
    const sb = lay.aStats + STAT_SLOTS * (p * L + l);
    // The GPU's first six stat slots are LayerStats.sums, in SUM's order.
    s.sums.set(acc.subarray(sb, sb + s.sums.length));
    s.shift[0] = acc[sb + 6]!;
    s.shift[1] = acc[sb + 7]!;
    const hb = histBase + l * 2 * lay.bins;
    s.histogram.set(tail.subarray(hb, hb + lay.bins));
    s.zHistogram.set(tail.subarray(hb + lay.bins, hb + 2 * lay.bins));
    if (info.kind === "hidden") for (let u = 0; u < info.units; u++) s.live[u] = tail[liveBase + lay.liveAt[l]! + u]!;
    else {
      for (let u = 0; u < info.units; u++) {
        const ub = lay.aUnits + 3 * (p * lay.classes + u);
        s.unitShift[u] = acc[ub]!;
        s.unitSum[u] = acc[ub + 1]!;
        s.unitSquares[u] = acc[ub + 2]!;
      }
    }
    return s;
  });
  const valAt = lay.aVal + 2 * p;
  const end = lay.hasValidation ? lay.evalN : lay.probe;
  return {
    epoch,
    trainLoss: acc[train]! / seen,
    trainAccuracy: acc[train + 1]! / seen,
    valLoss: lay.hasValidation ? acc[valAt]! / end : null,
    valAccuracy: lay.hasValidation ? acc[valAt + 1]! / end : null,
    outputStd: stats[L - 1]!.maxUnitStd(lay.probe),
    layers: m.layers.map((info, l) => {
      const layer = lay.layers[l]!;
      const nb = lay.aNorms + 3 * (p * L + l);
      return layerRecord(info, epoch, stats[l]!, {
        gradNorm: acc[grad + 2 * l]! / steps,
        biasGradNorm: acc[grad + 2 * l + 1]! / steps,
        weightSquares: acc[nb]!,
        changeSquares: acc[nb + 1]!,
        startSquares: acc[nb + 2]!,
        symmetry: weights && acc[lay.aPairs + p * L + l]! > 0 ? symmetry(weights, layer.wt, layer.b, layer.nin, layer.nout) : 0,
      });
    }),
  };
}

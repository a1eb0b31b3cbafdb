export { startRecorder, type Recorder, type RecorderOptions, type RecorderStats } from "./recorder.ts";
export {
  advanceSearch,
  cancelSweep,
  deleteSweep,
  loadSweep,
  openControl,
  pauseSweep,
  resumeSweep,
  retryFailedRuns,
  submitSweep,
  SubmitIncompleteError,
  SweepStateError,
  type Control,
} from "./sweeps.ts";

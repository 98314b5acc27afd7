import { pipelineBench, encodeOnly, stageBreakdown } from './pipeline.ts'

declare global {
  interface Window {
    bench: { pipelineBench: typeof pipelineBench; encodeOnly: typeof encodeOnly; stageBreakdown: typeof stageBreakdown; ready: boolean }
  }
}
window.bench = { pipelineBench, encodeOnly, stageBreakdown, ready: true }

import { pipelineBench, encodeOnly, stageBreakdown, fileRead } from './pipeline.ts'
import './network.ts'

declare global {
  interface Window {
    bench: {
      pipelineBench: typeof pipelineBench
      encodeOnly: typeof encodeOnly
      stageBreakdown: typeof stageBreakdown
      fileRead: typeof fileRead
      ready: boolean
    }
  }
}
window.bench = { pipelineBench, encodeOnly, stageBreakdown, fileRead, ready: true }

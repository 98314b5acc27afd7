import { pipelineBench, encodeOnly } from './pipeline.ts'

declare global {
  interface Window {
    bench: { pipelineBench: typeof pipelineBench; encodeOnly: typeof encodeOnly; ready: boolean }
  }
}
window.bench = { pipelineBench, encodeOnly, ready: true }

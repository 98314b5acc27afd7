import { mount } from 'svelte'
import App from './App.svelte'
import * as core from './core/index.ts'
import { createWorkerHasher } from './adapters/hashing/worker-hasher.ts'
import { workerEncoder } from './adapters/encoding/worker-encoder.ts'
import './net/expose.ts'
import { openLayr } from './layr/index.ts'

window.layrCore = core
window.layrAdapters = { createWorkerHasher, workerEncoder }
window.layrTesting = () => import('./testing/browser-harness.ts')
// ?autostart=0 leaves the network to the caller (the low-level end-to-end tests drive window.layrNet).
window.layrReady = openLayr({ autostart: new URLSearchParams(location.search).get('autostart') !== '0' }).then((l) => (window.layr = l))

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element')
export default mount(App, { target })

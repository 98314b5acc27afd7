import { mount } from 'svelte'
import App from './App.svelte'
import * as core from './core/index.ts'

declare global {
  interface Window {
    /** The core, for scripts and end-to-end tests driving this page. */
    layrCore: typeof core
  }
}
window.layrCore = core

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element')
export default mount(App, { target })

/**
 * Runs `fn` in a task of its own, soon, without a timer. Chromium throttles timers in hidden
 * tabs (a setTimeout(0) there waits for the next once-a-second wake-up, and longer once the tab
 * has been hidden for minutes) and runs none in frozen ones; a message on a MessageChannel is a
 * task like a network event's, which throttling leaves alone. So work on the data path that
 * waits "until the current task is done" (batching the puts one task makes) does not wait a
 * second per batch in a hidden host tab.
 */
export function nextTask(fn: () => void): void {
  if (typeof MessageChannel === 'undefined') {
    setTimeout(fn, 0)
    return
  }
  const channel = new MessageChannel()
  channel.port1.onmessage = () => {
    // Closed, so that the channel does not keep a Node process (tests) alive.
    channel.port1.close()
    fn()
  }
  channel.port2.postMessage(undefined)
}

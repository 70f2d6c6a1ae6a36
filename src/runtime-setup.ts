/**
 * Process-wide settings for the CLI and the action, imported first by both entry points so they apply before
 * any other module loads. Nothing here changes what a run computes; it changes how much memory and start-up
 * time it costs. Set CDC_RECON_V8_DEFAULTS=1 to leave V8's garbage collector as it is.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * V8's defaults suit long-lived servers: the young generation grows to two 16 MB semi-spaces and the old one
 * to several times the live heap before a full collection. A reconcile keeps 15–20 MB live but receives its
 * answers in bursts, so with the defaults a diff with scattered drift peaked at ~140 MiB RSS. These two GC
 * heuristics (read by V8 whenever it sizes its spaces, so they take effect when set at start-up) keep the
 * young generation small and collect the old one sooner: peak RSS ~80 MiB, with no measurable slowdown next
 * to the database's time (`npm run bench`).
 */
function preferSmallHeap(): void {
  if (process.env.CDC_RECON_V8_DEFAULTS) return;
  setFlagsFromString('--optimize-for-size');
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * Node 21+ defines `navigator`. Without it (Node 20), pg's Cloudflare-Workers check constructs a fetch
 * `Response` to find out, which loads undici: about 60 ms of every start-up, a third of what the CLI adds to
 * a count. Define the same minimal object newer Node has.
 */
function defineNavigator(): void {
  if ((globalThis as { navigator?: unknown }).navigator !== undefined) return;
  const userAgent = `Node.js/${process.versions.node.split('.')[0]}`;
  Object.defineProperty(globalThis, 'navigator', { value: Object.freeze({ userAgent }), configurable: true, enumerable: false, writable: false });
}

preferSmallHeap();
defineNavigator();

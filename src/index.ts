/** GitHub Action entry point (bundled to dist/index.js): everything happens in run(). */
import './runtime-setup.js';
import { run } from './action/main.js';

await run();

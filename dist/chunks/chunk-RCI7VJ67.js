import { createRequire as __cdcReconRequire } from 'node:module'; import { fileURLToPath as __cdcReconPath } from 'node:url'; import { dirname as __cdcReconDir } from 'node:path'; const require = __cdcReconRequire(import.meta.url); const __cdcReconFilename = __cdcReconPath(import.meta.url); const __cdcReconDirname = __cdcReconDir(__cdcReconFilename);
var UNIT_KEYS=64n;export{UNIT_KEYS};

/** Kept equal to package.json's version (a unit test checks it). */
export const TOOL_NAME = 'cdc-recon';
export const TOOL_VERSION = '1.0.0';

// Types for rss-breakdown.mjs, so that test/unit checks its calls under strict TypeScript.
export interface Kinds { binary: number; libraries: number; heap: number; anonymous: number; other: number }
export interface Breakdown extends Partial<Kinds> { code: number | null; peakKiB: number }
export function parseArgs(argv: readonly string[]): { everyMs: number; command: string[] };
export function residentByKind(smaps: string, binary: string): Kinds;
export function measure(options: { everyMs: number; command: readonly string[] }): Promise<Breakdown>;

// Types for core.mjs, so that test/unit checks its calls under strict TypeScript.
export interface DriftSplit { missing: number; extra: number; changed: number }
export interface IdRange { first: number; stride: number; count: number }
export interface DriftPlan extends DriftSplit { missingIds: IdRange; changedIds: IdRange; extraIds: IdRange }
export interface Summary { median: number; min: number; max: number; n: number }
export interface Ratio { median: number; min: number; max: number }
export function driftSplit(drifted: number): DriftSplit;
export function driftPlan(rows: number, drifted: number): DriftPlan;
export function idsOf(range: IdRange): number[];
export function median(xs: readonly number[]): number;
export function summary(xs: readonly number[]): Summary;
export function ratio(a: Summary, b: Summary): Ratio;
export function formatRatio(r: Ratio): string;
export function formatSeconds(s: Summary): string;
export function roundOrder<T>(tools: readonly T[], round: number): T[];
export function countReladiffRows(stdout: string): DriftSplit;
export function foundExactly(found: DriftSplit | undefined, planted: DriftSplit): boolean;
export function parseReladiffStats(stdout: string): DriftSplit;
export interface IncrementalPlan extends DriftSplit { changedIds: IdRange; missedUpdateIds: IdRange; missedDeleteIds: IdRange; missedInsertIds: IdRange }
export function incrementalPlan(rows: number, round: number, opts?: { fraction?: number; drifted?: number }): IncrementalPlan;

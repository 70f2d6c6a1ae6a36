/** The action's outputs (action.yml), from a report, or from a run that produced none. */
import * as core from '@actions/core';
import type { RunReport } from '../report/model.js';
import { redact } from '../util/redact.js';

export const OUTPUT_NAMES = [
  'status',
  'tables-checked',
  'tables-mismatched',
  'mismatched-tables',
  'rows-missing',
  'rows-extra',
  'rows-changed',
  'report-path',
] as const;

export type OutputName = (typeof OUTPUT_NAMES)[number];

export function outputsOf(report: RunReport | undefined, reportPath: string | undefined): Record<OutputName, string> {
  if (!report) {
    return {
      status: 'error',
      'tables-checked': '0',
      'tables-mismatched': '0',
      'mismatched-tables': '[]',
      'rows-missing': '0',
      'rows-extra': '0',
      'rows-changed': '0',
      'report-path': reportPath ?? '',
    };
  }
  const t = report.totals;
  return {
    status: report.status,
    'tables-checked': String(t.tables),
    'tables-mismatched': String(t.mismatched),
    'mismatched-tables': JSON.stringify(report.tables.filter((x) => x.status === 'mismatch').map((x) => x.table)),
    'rows-missing': String(t.rowsMissing),
    'rows-extra': String(t.rowsExtra),
    'rows-changed': String(t.rowsChanged),
    'report-path': reportPath ?? '',
  };
}

export function writeOutputs(values: Record<OutputName, string>, set: (name: string, value: string) => void = core.setOutput): void {
  for (const name of OUTPUT_NAMES) set(name, redact(values[name]));
}

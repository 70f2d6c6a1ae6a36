/**
 * The Kafka Connect part of a backup set (kafka-connect/connectors.json), read
 * and checked before a restore touches anything. The sha256 check of the set
 * (store/manifest.ts) catches a changed byte; this catches what a consistent
 * but wrong set would still hold: JSON that does not parse (a truncated file
 * whose manifest was rewritten), entries that are not connectors, a set whose
 * connectors differ from its manifest, a redacted key that is not redacted,
 * and — when offsets are to be restored — a connector saved without offsets.
 * Every problem is listed, and nothing is sent to the worker.
 */
import { readFile } from 'node:fs/promises';
import * as z from 'zod/mini';
import { int, text } from '../../config/fields.js';
import { REDACTED_VALUE, type SavedConnect } from './client.js';
import { resolveInSet, type KafkaConnectManifest } from '../store/manifest.js';
import { RestoreError } from '../postgres/restore.js';

const stateSchema = z.looseObject({ state: z.string() });

const savedConnectorSchema = z.strictObject({
  config: z.record(z.string(), z.string()).check(
    z.refine((c) => typeof c['connector.class'] === 'string' && c['connector.class'] !== '', { message: 'has no connector.class' }),
  ),
  redactedKeys: z.array(z.string()),
  status: z.nullable(
    z.looseObject({ name: z.string(), connector: stateSchema, tasks: z.array(z.looseObject({ id: z.number(), state: z.string() })) }),
  ),
  offsets: z.nullable(
    z.array(z.strictObject({ partition: z.record(z.string(), z.unknown()), offset: z.nullable(z.record(z.string(), z.unknown())) })),
  ),
});

const savedConnectSchema = z.strictObject({
  capturedAt: z.iso.datetime(),
  workerVersion: z.string(),
  offsetsSupported: z.boolean(),
  connectors: z.record(text(), savedConnectorSchema),
});

/** Refusal of a Kafka Connect set: names the file and every problem; the worker was not contacted. */
export class SavedConnectError extends RestoreError {
  constructor(file: string, problems: string[]) {
    super(`the Kafka Connect part of the set (${file}) cannot be restored; nothing was changed in Kafka Connect`, problems);
  }
}

/**
 * Parses and checks connectors.json against its manifest entry. With `offsets`, every connector must
 * carry its saved offsets (an empty list is fine: a connector that had committed none).
 */
export function checkSavedConnect(text: string, part: KafkaConnectManifest, options: { offsets: boolean }): SavedConnect {
  const file = part.file;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SavedConnectError(file, [`not valid JSON (truncated or damaged): ${(err as Error).message}`]);
  }
  const res = savedConnectSchema.safeParse(json);
  if (!res.success) {
    throw new SavedConnectError(
      file,
      res.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`),
    );
  }
  const saved = res.data as SavedConnect;
  const problems: string[] = [];
  const names = Object.keys(saved.connectors).sort();
  const listed = [...part.connectors].sort();
  for (const n of listed) if (!names.includes(n)) problems.push(`connector ${n} is listed in the manifest but missing from ${file}`);
  for (const n of names) if (!listed.includes(n)) problems.push(`connector ${n} is in ${file} but not listed in the manifest`);
  if (names.length === 0) problems.push('the set holds no connector');
  for (const n of names) {
    const c = saved.connectors[n]!;
    const manifestKeys = [...(part.redactedKeys[n] ?? [])].sort();
    if (JSON.stringify([...c.redactedKeys].sort()) !== JSON.stringify(manifestKeys)) {
      problems.push(`connector ${n}: redacted keys ${JSON.stringify(c.redactedKeys)} differ from the manifest's ${JSON.stringify(manifestKeys)}`);
    }
    for (const k of c.redactedKeys) {
      if (c.config[k] !== REDACTED_VALUE) problems.push(`connector ${n}: ${k} is listed as redacted but its saved value is not the redaction marker`);
    }
    if (options.offsets) {
      if (!saved.offsetsSupported) {
        problems.push(`connector ${n}: no offsets saved (the worker backed up had no offsets API, Kafka Connect before 3.5): restore without --offsets`);
      } else if (c.offsets === null) {
        problems.push(`connector ${n}: its saved offsets are missing (--offsets needs them): use a complete set, or restore without --offsets`);
      } else {
        c.offsets.forEach((e, i) => {
          if (Object.keys(e.partition).length === 0) problems.push(`connector ${n}: offsets[${i}] has an empty partition`);
        });
      }
    }
  }
  if (problems.length) throw new SavedConnectError(file, problems);
  return saved;
}

export async function readSavedConnect(setDir: string, part: KafkaConnectManifest, options: { offsets: boolean } = { offsets: false }): Promise<SavedConnect> {
  const text = await readFile(resolveInSet(setDir, part.file), 'utf8');
  return checkSavedConnect(text, part, options);
}

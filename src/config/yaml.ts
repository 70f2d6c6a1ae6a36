/**
 * The one YAML reader of config files. js-yaml with its YAML 1.2 core schema (dates, `on`, `yes` stay
 * strings; duplicate keys are an error): it loads in ~9 ms where the `yaml` package took ~28 ms, a sixth of
 * what the CLI adds to a `count` (issue 18).
 */
import { loadAll, CORE_SCHEMA } from 'js-yaml';
import { ConfigError } from '../util/errors.js';

/** Why a YAML text could not be read: the first line of js-yaml's message (a source excerpt follows it). */
export class YamlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlSyntaxError';
  }
}

/** The value of a YAML text holding at most one document; undefined for an empty text or one of comments. */
export function parseYaml(text: string, file: string): unknown {
  let documents: unknown[];
  try {
    documents = loadAll(text, { schema: CORE_SCHEMA, filename: file });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new YamlSyntaxError(message.split('\n')[0] ?? message);
  }
  if (documents.length > 1) throw new YamlSyntaxError(`${documents.length} documents where one is expected`);
  return documents[0];
}

/** A config file's YAML value, or a ConfigError naming the file and why, worded alike for every config file. */
export function parseConfigYaml(text: string, file: string): unknown {
  try {
    return parseYaml(text, file);
  } catch (err) {
    if (!(err instanceof YamlSyntaxError)) throw err;
    throw new ConfigError(`invalid YAML in ${file}:\n  - ${err.message}`, file, [err.message]);
  }
}

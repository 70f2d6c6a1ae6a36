/**
 * The house's layers (ARCHITECTURE.md), lowest first. A file imports only from its own layer or lower ones;
 * no import circles; the two faces never import each other. test/unit/architecture.test.ts runs these rules.
 */
const LAYERS = [
  ['utilities and the canonical form', '^src/(util|canonical)/|^src/(version|runtime-setup)[.]ts$'],
  ['config and the report model', '^src/config/|^src/report/model[.]ts$'],
  ['dialects', '^src/dialects/'],
  ['features', '^src/(engine|schema|lag|repair|dr|observability)/'],
  ['report', '^src/report/(?!model[.]ts$)'],
  ['sinks', '^src/sinks/'],
  ['app', '^src/app/'],
  ['faces', '^src/(action|cli)/|^src/(cli|index)[.]ts$'],
];

const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `no-upward-from-${name.replace(/\W+/g, '-')}`,
  comment: `${name} may import only from its own layer or lower ones`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(i + 1).map(([, p]) => `(${p})`).join('|') },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'import circles', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    ...upward,
    { name: 'action-not-cli', comment: 'the action is a face of app/, not of the CLI', severity: 'error', from: { path: '^src/action/' }, to: { path: '^src/cli/' } },
    { name: 'cli-not-action', comment: 'the CLI is a face of app/, not of the action', severity: 'error', from: { path: '^src/cli/' }, to: { path: '^src/action/' } },
    { name: 'every-file-placed', comment: 'a file outside every layer has no place in the order', severity: 'error', from: { path: '^src/', pathNot: LAYERS.map(([, p]) => `(${p})`).join('|') }, to: {} },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};

#!/usr/bin/env node
/**
 * Brings every system part the test suite needs, before any test runs (`npm test` runs it as `pretest`,
 * `.ci/run` through `npm test`): Debian's PostgreSQL server and client, Prometheus' promtool and the
 * Pushgateway, a JDK and Maven, and the pipeline jars (Maven Central, scripts/pipeline/pom.xml).
 * As root with apt-get it installs what is missing; otherwise it stops with one line saying what is
 * missing and how to get it. CDC_RECON_PROVISION=0 skips it (a machine set up by other means).
 */
import { existsSync, readdirSync } from 'node:fs';
import { $, which } from 'zx';
import { ensureJars } from './pipeline.mjs';

$.verbose = false;

if (process.env.CDC_RECON_PROVISION === '0') process.exit(0);

const hasPgServer = () =>
  existsSync('/usr/lib/postgresql') &&
  readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`));

/** What the tests need: [test, Debian packages that bring it]. */
const needs = [
  ['PostgreSQL server', hasPgServer, ['postgresql', 'postgresql-contrib']],
  ['pg_dump / psql', async () => Boolean(await which('pg_dump', { nothrow: true })), ['postgresql-client']],
  ['promtool', async () => Boolean(await which('promtool', { nothrow: true })), ['prometheus']],
  ['prometheus-pushgateway', async () => Boolean(await which('prometheus-pushgateway', { nothrow: true })), ['prometheus-pushgateway']],
  ['java (17+)', async () => Boolean(await which('java', { nothrow: true })), ['openjdk-17-jre-headless']],
  ['mvn', async () => Boolean(await which('mvn', { nothrow: true })), ['maven']],
];

const missing = [];
for (const [what, test, pkgs] of needs) if (!(await test())) missing.push({ what, pkgs });

if (missing.length > 0) {
  const pkgs = [...new Set(missing.flatMap((m) => m.pkgs))];
  const canApt = process.getuid?.() === 0 && (await which('apt-get', { nothrow: true }));
  if (!canApt) {
    console.error(`provision: missing ${missing.map((m) => m.what).join(', ')}: run \`sudo apt-get install ${pkgs.join(' ')}\` (Debian) or .ci/run as root`);
    process.exit(1);
  }
  console.error(`provision: installing ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await $({ env })`apt-get update -qq`;
    await $({ env })`apt-get install -y -qq --no-install-recommends ${pkgs}`;
  } catch (err) {
    console.error(`provision: apt-get install ${pkgs.join(' ')} failed: ${String(err.stderr ?? err).trim().split('\n').pop()}`);
    process.exit(1);
  }
  // The Debian package may start its own cluster; the tests start their own on free ports and do not need it.
}

try {
  if (await ensureJars()) console.error('provision: pipeline jars fetched');
} catch (err) {
  console.error(`provision: cannot fetch the pipeline jars with Maven (${String(err.message ?? err).trim().split('\n').pop()}): check that Maven Central is reachable, then \`node scripts/pipeline.mjs up\``);
  process.exit(1);
}

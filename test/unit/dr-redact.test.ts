import { describe, expect, it } from 'vitest';
import { parseBackupConfig } from '../../src/config/load-backup.js';
import { createRedactor, safeUrl, secretParts, secretsFromConfig } from '../../src/dr/redact.js';
import { redactConnectorConfig, secretEnvName } from '../../src/dr/connect/client.js';

describe('redaction', () => {
  const r = createRedactor();
  it.each([
    ['postgres://app:S3cr3t-pw@db:5432/shop', 'S3cr3t-pw'],
    ['Server=db;Database=shop;User Id=sa;Password=Sa-Pa55word;Encrypt=true', 'Sa-Pa55word'],
    ['Server=db;PWD={brace;d-pw};', 'brace;d-pw'],
    ['host=db password=libpq-pw-1 dbname=x', 'libpq-pw-1'],
    ['http://u:p@ss-word@connect:8083', 'ss-word'],
    ['{"database.password": "json-pw-77", "x": 1}', 'json-pw-77'],
    ['"sasl.jaas.config":"org.apache.kafka.common.security.plain.PlainLoginModule required username=\\"u\\" password=\\"jaas-pw\\";"', 'jaas-pw'],
    ["ALTER ROLE app WITH PASSWORD 'sql-pw-9'", 'sql-pw-9'],
    ['Authorization: Bearer abcdefghijklmnop123', 'abcdefghijklmnop123'],
    ['token ghp_abcdefghijklmnopqrstuvwxyz0123456789 used', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['key AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    ['aws_secret_access_key=wJalrXUtnFEMI/K7MDENG', 'wJalrXUtnFEMI/K7MDENG'],
    ['db_password: yaml-pw-3', 'yaml-pw-3'],
  ])('removes the secret from %s', (text, secret) => {
    expect(r(text)).not.toContain(secret);
  });

  it('removes the exact values of env vars named in the config, and the password inside them, even URL-encoded', () => {
    const cfg = parseBackupConfig({ postgres: { urlEnv: 'TGT' }, mssql: { urlEnv: 'SRC', database: 'shop', serverBackupDir: '/b', copyCommand: ['true'] } }, 't.yml');
    const env = { TGT: 'postgres://app:p%40ss%2Fw0rd@db/shop', SRC: 'Server=x;Password=plain pw with spaces;' };
    const secrets = secretsFromConfig(cfg, env);
    expect(secrets).toEqual(expect.arrayContaining(['p@ss/w0rd', 'plain pw with spaces']));
    const red = createRedactor(secrets);
    const text = `conn failed: p@ss/w0rd ; encoded p%40ss%2Fw0rd ; "plain pw with spaces"`;
    const out = red(text);
    expect(out).not.toContain('p@ss/w0rd');
    expect(out).not.toContain('p%40ss%2Fw0rd');
    expect(out).not.toContain('plain pw with spaces');
  });

  it('leaves ordinary text alone', () => {
    expect(r('restored 5000 rows into shop_restore_20240101 in 1.2 s')).toBe('restored 5000 rows into shop_restore_20240101 in 1.2 s');
    expect(secretParts('abc')).toEqual([]);
  });

  it('safeUrl masks passwords and secret query parameters', () => {
    expect(safeUrl('http://u:secret@h:8083/x?token=abc&a=1')).toBe('http://u:***@h:8083/x?token=***&a=1');
  });
});

describe('connector config secrets', () => {
  it('replaces literal secrets, keeps config-provider references and ordinary keys', () => {
    const { config, redactedKeys } = redactConnectorConfig({
      'connector.class': 'io.debezium.connector.sqlserver.SqlServerConnector',
      'database.password': 'lit-pw',
      'database.user': 'cdc',
      'schema.history.internal.producer.sasl.jaas.config': 'x required password="y";',
      'ssl.truststore.password': '${file:/opt/secrets.properties:truststore}',
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'schema.registry.basic.auth.user.info': 'u:p',
    });
    expect(redactedKeys.sort()).toEqual(['database.password', 'schema.history.internal.producer.sasl.jaas.config', 'schema.registry.basic.auth.user.info']);
    expect(JSON.stringify(config)).not.toMatch(/lit-pw|password="y"|u:p/);
    expect(config['ssl.truststore.password']).toBe('${file:/opt/secrets.properties:truststore}');
    expect(config['key.converter']).toBe('org.apache.kafka.connect.json.JsonConverter');
    expect(secretEnvName('sqlserver-shop', 'database.password')).toBe('CDC_RECON_SECRET_SQLSERVER_SHOP__DATABASE_PASSWORD');
  });
});

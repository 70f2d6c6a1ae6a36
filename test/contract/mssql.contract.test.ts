/**
 * The dialect contract against SQL Server, when MSSQL_URL names one (a login
 * that may create databases), e.g.
 *   MSSQL_URL='mssql://sa:<password>@localhost:1433/master?encrypt=true&trustServerCertificate=true'
 * Run by .github/workflows/integration.yml against mcr.microsoft.com/mssql/server:2022-latest.
 */
import { describe } from 'vitest';
import { runContract } from './contract.js';
import { runSplitContract } from './split.js';
import { runCdcChangesContract } from './cdc-changes.js';
import { runReviewContract } from './review.js';
import { mssqlHarness } from './harness-mssql.js';

const url = process.env.MSSQL_URL;
if (!url) console.log('SKIPPED SQL Server contract: MSSQL_URL not set');

describe.skipIf(!url)('SQL Server dialect contract', () => {
  const harness = mssqlHarness(url ?? '');
  runContract(harness);
  runSplitContract(harness);
  runCdcChangesContract(harness);
});

describe.skipIf(!url)('SQL Server: review cases of issue 20', () => {
  runReviewContract(mssqlHarness(url ?? ''));
});

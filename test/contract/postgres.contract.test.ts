/** The dialect contract against PostgreSQL (always: the test setup starts a real server). */
import { describe } from 'vitest';
import { runContract } from './contract.js';
import { runSplitContract } from './split.js';
import { runCdcChangesContract } from './cdc-changes.js';
import { runReviewContract } from './review.js';
import { postgresHarness } from './harness-postgres.js';

describe('PostgreSQL dialect contract', () => {
  const harness = postgresHarness();
  runContract(harness);
  runSplitContract(harness);
  runCdcChangesContract(harness);
});

describe('PostgreSQL: review cases of issue 20', () => {
  runReviewContract(postgresHarness());
});

/** The dialect contract against PostgreSQL (always: the test setup starts a real server). */
import { describe } from 'vitest';
import { runContract } from './contract.js';
import { runReviewContract } from './review.js';
import { postgresHarness } from './harness-postgres.js';

describe('PostgreSQL dialect contract', () => {
  runContract(postgresHarness());
});

describe('PostgreSQL: review cases of issue 20', () => {
  runReviewContract(postgresHarness());
});

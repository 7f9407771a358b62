import { expect } from 'vitest';
import { NetopsError } from '../../src/errors.js';

/** The NetopsError a promise rejects with; the test fails if it resolves or rejects with something else. */
export async function rejection(p: Promise<unknown>): Promise<NetopsError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NetopsError);
    return err as NetopsError;
  }
  throw new Error('expected a rejection');
}

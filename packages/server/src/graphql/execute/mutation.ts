import type { Queryable } from '../../db/database.js';
import type { CompiledMutation, Statement, WrittenKeys } from '../compile/mutation.js';
import { EngineError } from '../errors.js';
import type { PreparedStatements } from './prepared-statements.js';

/**
 * Runs one compiled mutation field inside the request's transaction and returns the JSON text of
 * its result: the check on the submitted values, the write, the permission's check on what was
 * written, then the response (compile/mutation.ts says why in that order).
 */
export async function runMutation(
  tx: Queryable,
  compiled: CompiledMutation,
  prepared: PreparedStatements,
): Promise<string> {
  if (compiled.precheck) {
    const [result] = await run<{ passed: boolean }>(tx, compiled.precheck, prepared);
    if (result?.passed !== true) throw checkFailed(compiled.path);
  }
  let keys: WrittenKeys = [];
  if (compiled.write) {
    keys = await run<Record<string, unknown>>(tx, compiled.write, prepared);
    if (keys.some((key) => key._check_passed !== true)) throw checkFailed(compiled.path);
  }
  const [result] = await run<{ data: string | null }>(tx, compiled.response(keys), prepared);
  return result?.data ?? 'null';
}

/** A written (or submitted) row did not satisfy the permission's check: the request fails. */
function checkFailed(path: string): EngineError {
  return new EngineError('permission-error', 'check constraint of an insert/update permission has failed', path);
}

/** Runs a statement as a named prepared statement; a database error carries the field's path. */
async function run<R extends object>(tx: Queryable, statement: Statement, prepared: PreparedStatements): Promise<R[]> {
  try {
    return await tx.query<R>(statement.sql, statement.values, prepared.optionsFor(statement.sql));
  } catch (error) {
    throw Object.assign(error as object, { graphqlPath: statement.path });
  }
}

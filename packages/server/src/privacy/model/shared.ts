import {
  type BoolExp,
  type ColumnModel,
  column,
  nhostRootFields,
  type RelationshipModel,
  type TableModel,
  type TablePermissions,
} from '../../graphql/model.js';
import { type Capability, member } from '../permissions.js';

/** Pieces every privacy table shares. */
export const uuid = (sql: string, nullable = false) => column(sql, 'uuid', { nullable });
export const id = uuid('id');
export const dataControllerId = uuid('data_controller_id');
export const dataSubjectId = uuid('data_subject_id');
export const createdAt = column('created_at', 'timestamptz');
export const updatedAt = column('updated_at', 'timestamptz');
export const timestamps: ColumnModel[] = [createdAt, updatedAt];

export const text = (sql: string, nullable = false) => column(sql, 'String', { nullable });
export const json = (sql: string) => column(sql, 'jsonb');

export function objectRelationship(name: string, target: string, local: string): RelationshipModel {
  return { name, kind: 'object', target, mapping: { [local]: 'id' } };
}
/**
 * The array relationships of a table to the rows that point to it: `{name: target}`, every
 * target's `remote` column holding the id of this table's row.
 */
export function hasMany(remote: string, targets: Record<string, string>): RelationshipModel[] {
  return Object.entries(targets).map(([name, target]) => ({ name, kind: 'array', target, mapping: { id: remote } }));
}

export const toController = objectRelationship('dataController', 'dataControllers', 'dataControllerId');
export const toSubject = objectRelationship('dataSubject', 'dataSubjects', 'dataSubjectId');
export const toPurpose = objectRelationship('purpose', 'purposes', 'purposeId');
export const toConsentForm = objectRelationship('consentForm', 'consentForms', 'consentFormId');

/**
 * The most rows one anonymous or data-subject request may read from a table: what a
 * Transparency Center page shows fits easily, scraping does not.
 */
export const PUBLIC_ROW_LIMIT = 100;

/** A read by a public role (anonymous, dataSubject): `columns` of the rows `filter` selects, PUBLIC_ROW_LIMIT at most. */
export function publicRead(columns: string[], filter: BoolExp): TablePermissions {
  return { select: { columns, filter, limit: PUBLIC_ROW_LIMIT } };
}

/**
 * The `user` role on a table of one controller's rows: a member whose dashboard role may `view`
 * reads every row of its controllers, every column, aggregates included. One whose role may
 * `manage.may` inserts the `insert` columns (with `set` preset), updates the `update` columns and,
 * with `delete`, deletes; a change is checked against the same filter. What is left out is refused.
 */
export function members(
  view: Capability,
  manage?: { may: Capability; insert?: string[]; set?: Record<string, string>; update?: string[]; delete?: true },
): TablePermissions {
  const permissions: TablePermissions = { select: { columns: '*', filter: member(view), allowAggregations: true } };
  if (!manage) return permissions;
  const may = member(manage.may);
  if (manage.insert)
    permissions.insert = { columns: manage.insert, check: may, ...(manage.set ? { set: manage.set } : {}) };
  if (manage.update) permissions.update = { columns: manage.update, filter: may, check: may };
  if (manage.delete) permissions.delete = { filter: may };
  return permissions;
}

/** What a controller table declares itself; controllerTable() adds what they all share. */
export interface ControllerTable extends Omit<TableModel, 'sql' | 'primaryKey' | 'rootFields' | 'relationships'> {
  /** The root field of one row (`purpose` for `purposes`). */
  singular: string;
  /** Its table in the public schema: by default the snake_case of `name` (audit_events for auditEvents). */
  table?: string;
  /** Relationships besides the one to its controller. */
  relationships?: RelationshipModel[];
}

/**
 * A table of one controller's rows (public schema): keyed by `id`, its columns start with `id`
 * and `dataControllerId`, its relationships with `dataController`, and its root fields are the
 * Nhost-style ones named after it (`purposes`, `purpose`, `insertPurposes`, ...).
 */
export function controllerTable({
  name,
  singular,
  table = name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`),
  columns,
  uniqueConstraints,
  relationships = [],
  ...rest
}: ControllerTable): TableModel {
  return {
    name,
    sql: { schema: 'public', table },
    columns: [id, dataControllerId, ...columns],
    primaryKey: ['id'],
    ...(uniqueConstraints ? { uniqueConstraints } : {}),
    rootFields: nhostRootFields(name, singular),
    relationships: [toController, ...relationships],
    ...rest,
  };
}

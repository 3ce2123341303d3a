import { type ColumnModel, column, type RelationshipModel } from '../../graphql/model.js';

/** Pieces every privacy table shares. */
export const id = column('id', 'uuid');
export const dataControllerId = column('data_controller_id', 'uuid');
export const dataSubjectId = column('data_subject_id', 'uuid');
export const createdAt = column('created_at', 'timestamptz');
export const updatedAt = column('updated_at', 'timestamptz');
export const timestamps: ColumnModel[] = [createdAt, updatedAt];

export const text = (sql: string, nullable = false) => column(sql, 'String', { nullable });
export const json = (sql: string) => column(sql, 'jsonb');

export function objectRelationship(name: string, target: string, local: string): RelationshipModel {
  return { name, kind: 'object', target, mapping: { [local]: 'id' } };
}
export function arrayRelationship(name: string, target: string, remote: string): RelationshipModel {
  return { name, kind: 'array', target, mapping: { id: remote } };
}

export const toController = objectRelationship('dataController', 'dataControllers', 'dataControllerId');
export const toSubject = objectRelationship('dataSubject', 'dataSubjects', 'dataSubjectId');

/**
 * The most rows one anonymous or data-subject request may read from a table: what a
 * Transparency Center page shows fits easily, scraping does not.
 */
export const PUBLIC_ROW_LIMIT = 100;

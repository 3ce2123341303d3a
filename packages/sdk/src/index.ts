export { PaviseClient, type PaviseClientOptions, type QueryOptions } from './pavise-client.js';
export { PaviseError, type GraphQLErrorEntry } from './errors.js';
export type { DocumentInput, TypedDocumentNode } from './documents.js';

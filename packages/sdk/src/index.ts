export { PaviseClient, type PaviseClientOptions, type QueryOptions } from './pavise-client.js';
export { PaviseError, type GraphQLErrorEntry } from './errors.js';
export type { DocumentInput, TypedDocumentNode } from './documents.js';
export {
  XtraClient,
  XTRA_SDK_VERSION,
  type XtraClientOptions,
  type GetSecretsOptions,
  type InjectSecretsOptions,
  type SetSecretsOptions,
  type SetSecretsResult,
  type SecretsWithMetadata,
  type StaleInfo,
  type Project,
  type Branch,
  type CreateBranchOptions,
  type Secrets,
} from './xtra-client.js';
export { XtraError, type XtraConflict } from './xtra-error.js';

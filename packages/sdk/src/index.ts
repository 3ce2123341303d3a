export {
  type AcceptedInvitation,
  BrowserSession,
  type BrowserSessionOptions,
  type PasswordSignInResult,
  type User,
} from './browser-session.js';
export type { DocumentInput, TypedDocumentNode } from './documents.js';
export { type GraphQLErrorEntry, PaviseError } from './errors.js';
export { PaviseClient, type PaviseClientOptions, type QueryOptions } from './pavise-client.js';
export type { AccessTokenSource } from './session.js';
export {
  type Branch,
  type CreateBranchOptions,
  type GetSecretsOptions,
  type InjectSecretsOptions,
  type Project,
  type Secrets,
  type SecretsWithMetadata,
  type SetSecretsOptions,
  type SetSecretsResult,
  type StaleInfo,
  XTRA_SDK_VERSION,
  XtraClient,
  type XtraClientOptions,
} from './xtra-client.js';
export { type XtraConflict, XtraError } from './xtra-error.js';

/**
 * Why the proof of an origin was not found, in words for the member who asked: what was looked
 * for, where, and what came back instead. Never the page's content.
 */
export class OriginProofError extends Error {
  override name = 'OriginProofError';
}

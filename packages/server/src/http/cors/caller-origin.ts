import type { CrossOrigin } from './cross-origin.js';

/**
 * Who calls, as the CORS rules of the public surfaces tell callers apart (docs/contracts.md §1.1):
 * a visitor without credentials; a data subject's session, tied to its controller; anyone else
 * (a member's `user` or `me` session, the admin secret), whose sessions belong to the dashboard.
 */
export type OriginCaller =
  | { kind: 'anonymous' }
  | { kind: 'dataSubject'; controllerId: string | undefined }
  | { kind: 'dashboard' };

export const ANONYMOUS_CALLER: OriginCaller = { kind: 'anonymous' };
export const DASHBOARD_CALLER: OriginCaller = { kind: 'dashboard' };

/** The caller of a session with `role` and these variables (from a verified token or the engine's session). */
export function callerOfRole(role: string, variables: Readonly<Record<string, string>>): OriginCaller {
  if (role === 'anonymous') return ANONYMOUS_CALLER;
  if (role === 'dataSubject') return { kind: 'dataSubject', controllerId: variables['x-hasura-data-controller-id'] };
  return DASHBOARD_CALLER;
}

/**
 * Why `caller` may not call from the request's origin, or undefined when it may: anything from
 * no Origin or a trusted one; an anonymous visitor from an origin some controller verified; a data
 * subject from one its own controller verified; nobody else.
 */
export function crossOriginRefusal(crossOrigin: CrossOrigin | null, caller: OriginCaller): string | undefined {
  if (crossOrigin === null || crossOrigin.trusted) return undefined;
  const from = crossOrigin.origin ?? 'an opaque or malformed origin';
  switch (caller.kind) {
    case 'anonymous':
      return crossOrigin.verifiedBy.length > 0
        ? undefined
        : `Requests from ${from} are not allowed: no data controller has verified this origin`;
    case 'dataSubject':
      return caller.controllerId !== undefined && crossOrigin.verifiedBy.includes(caller.controllerId)
        ? undefined
        : `A data subject's session may be used only from an origin its data controller has verified, not from ${from}`;
    case 'dashboard':
      return `This session may be used only from the server's own origin or one listed in PAVISE_CORS_ORIGINS, not from ${from}`;
  }
}

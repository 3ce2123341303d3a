import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkJson, decodeUtf8, UnsafeInputError } from '../input/json.js';
import { unstorableText } from '../input/text.js';

/**
 * The server's JSON body parser: Fastify's own (with its prototype-poisoning guard), given bytes
 * checked to be UTF-8, its result checked for depth and unstorable strings (input/json.ts) before
 * any route or schema sees it.
 */
export function installJsonBodyParser(server: FastifyInstance, maxDepth: number): void {
  const parseJson = server.getDefaultJsonParser('error', 'error');
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = decodeUtf8(body as Buffer);
    } catch (error) {
      return done(error as Error);
    }
    parseJson(request, text, (error, value) => {
      if (error) return done(error);
      try {
        checkJson(value, maxDepth);
      } catch (refusal) {
        return done(refusal as Error);
      }
      done(null, value);
    });
  });
}

/**
 * Refuses a query-string or path parameter (name or value) the database could not store, or one
 * whose percent-encoding is not UTF-8 (the query-string parser would pass it on undecoded).
 */
export function checkRequestParameters(request: FastifyRequest): void {
  const queryString = request.url.indexOf('?');
  if (queryString >= 0) {
    for (const pair of request.url.slice(queryString + 1).split('&')) {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      const value = equals < 0 ? '' : pair.slice(equals + 1);
      for (const part of [name, value]) {
        try {
          decodeURIComponent(part.replace(/\+/g, ' '));
        } catch {
          throw new UnsafeInputError(
            `The query parameter ${JSON.stringify(name)} is not valid percent-encoded UTF-8`,
            name,
          );
        }
      }
    }
  }
  for (const [part, values] of [
    ['query parameter', request.query],
    ['path parameter', request.params],
  ] as const) {
    if (!values || typeof values !== 'object') continue;
    for (const [name, value] of Object.entries(values)) {
      for (const text of [name, ...(Array.isArray(value) ? value : [value])]) {
        if (typeof text !== 'string') continue;
        const problem = unstorableText(text);
        if (problem) throw new UnsafeInputError(`The ${part} ${JSON.stringify(name)} contains ${problem}`, name);
      }
    }
  }
}

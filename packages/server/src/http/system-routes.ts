import type { FastifyInstance } from 'fastify';
import { PAVISE_VERSION } from '../version.js';
import type { ServerDependencies } from './dependencies.js';

/** Health (Hasura's plain-text `OK`, checking the database too) and version. */
export async function systemRoutes(server: FastifyInstance, { db }: Pick<ServerDependencies, 'db'>): Promise<void> {
  server.route({
    method: ['GET', 'HEAD'],
    url: '/healthz',
    handler: async (request, reply) => {
      reply.header('cache-control', 'no-store').type('text/plain; charset=utf-8');
      try {
        await db.query('SELECT 1', [], { name: 'system.healthz' });
        return request.method === 'HEAD' ? reply.send() : reply.send('OK');
      } catch (error) {
        request.log.error({ err: error }, 'health check failed');
        return reply.code(500).send('ERROR');
      }
    },
  });
  server.get('/v1/version', async () => ({ version: PAVISE_VERSION }));
}

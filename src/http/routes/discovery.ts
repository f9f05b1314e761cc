// Discovery: listing, search, categories, keywords, dependents, statistics and the home-page summary
// (tags packages, search, stats).
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.js';

export function discoveryRoutes(api: FastifyInstance, ctx: Context): void {
  void api;
  void ctx;
}

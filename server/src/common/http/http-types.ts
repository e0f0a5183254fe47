import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The request and reply the API's routes see (the HTTP platform's own). Controllers and guards
 * that need more than their parameters (a status chosen at run time, a stream, the caller) take these.
 */
export type HttpRequest = FastifyRequest<{ Params: Record<string, string | undefined> }>;
export type HttpReply = FastifyReply;

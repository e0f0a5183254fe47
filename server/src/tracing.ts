/*
 * OpenTelemetry tracing: on when OTEL_EXPORTER_OTLP_ENDPOINT is set, off (no SDK, no patching)
 * otherwise. HTTP (the API's requests and the Bot API calls), Postgres and Redis are instrumented
 * here, and BullMQ carries a job's trace from the request that queued it to the worker that runs it
 * (QueueConnectionModule). main.ts loads this file first: an instrumentation only patches modules
 * required after it starts. The one adapter file of the OpenTelemetry SDK.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** A bot token in a Bot API path (`/bot<token>/…`, `/file/bot<token>/…`) is a secret: traces get a placeholder. */
export function redactBotToken(text: string): string {
  return text.replace(/\/bot\d+:[A-Za-z0-9_-]+/g, '/bot<token>');
}

/** Every attribute an HTTP span may carry the path in, old and stable semantic conventions alike. */
const URL_ATTRIBUTES = ['http.url', 'http.target', 'url.full', 'url.path'];

/**
 * Runs as a span starts, with its URL attributes already set: rewrites those that hold a bot token.
 * The API has no getter for a live span's attributes; the SDK's span keeps them on `attributes`.
 */
function redactSpan(span: Span, request: ClientRequest | IncomingMessage): void {
  const path = 'path' in request ? request.path : (request.url ?? '');
  if (!path.includes('/bot')) return;
  const attributes = (span as unknown as { attributes?: Record<string, unknown> }).attributes ?? {};
  for (const key of URL_ATTRIBUTES) {
    const value = attributes[key];
    if (typeof value === 'string') span.setAttribute(key, redactBotToken(value));
  }
}

const PROBES = /^\/(health|metrics)(\/|$)/;

/** Starts tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the OTEL_* variables itself). */
export function startTracing(env: NodeJS.ProcessEnv = process.env): NodeSDK | undefined {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? `tenantgram-${env.ROLE ?? 'all'}`,
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      new HttpInstrumentation({
        // Probes every few seconds are noise; their answers are in metrics.
        ignoreIncomingRequestHook: (req) => PROBES.test(req.url ?? ''),
        requestHook: redactSpan,
      }),
      new PgInstrumentation(),
      new IORedisInstrumentation(),
    ],
  });
  sdk.start();
  return sdk;
}

/** The process's tracing, when on: main.ts flushes it when the app closes. */
export const tracing = startTracing();

/**
 * Node's HTTP server closes idle keep-alive connections after 5 s. workerd reuses pooled connections, so a request
 * sent just as Node closes one fails with "Network connection lost" — a flake that has nothing to do with the code
 * under test. The stand-ins keep idle connections far longer than any test waits between two calls.
 */
import type { Server } from "node:http";

/** Keeps idle connections open for 10 minutes (headers timeout above it, as Node requires). */
export function keepConnectionsOpen(server: Server): void {
  server.keepAliveTimeout = 600_000;
  server.headersTimeout = 601_000;
}

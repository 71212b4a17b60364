import { INestApplicationContext } from '@nestjs/common';
import { Logger as PinoLogger } from 'pino';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export interface GracefulShutdown {
  /** Hands over the application once it exists; a signal that came earlier shuts it down at once. */
  attach(app: INestApplicationContext): void;
}

/**
 * On SIGTERM/SIGINT: stop taking new work, let in-flight requests and jobs finish (app.close() runs every
 * shutdown hook), then exit 0. A second signal, or a drain longer than `timeoutMs`, exits at once with 1.
 *
 * Installed before the application is created: Nest runs the bootstrap hooks (which start queue processors and
 * log "worker healthy") inside `create...()`, so a signal can arrive before there is an application to close.
 * Such a signal is remembered, and the application is closed as soon as it is attached.
 */
export function installGracefulShutdown(logger: PinoLogger, timeoutMs: number): GracefulShutdown {
  let app: INestApplicationContext | undefined;
  let pending: NodeJS.Signals | undefined;
  let closing = false;

  const close = (current: INestApplicationContext, signal: NodeJS.Signals) => {
    closing = true;
    logger.info({ signal }, 'shutting down: draining in-flight work');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out, exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    current
      .close()
      .then(() => {
        logger.info('shutdown complete');
        process.exit(0);
      })
      .catch((error: Error) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (closing || pending) {
      logger.warn({ signal }, 'second signal during shutdown, exiting now');
      process.exit(1);
    }
    if (app) close(app, signal);
    else {
      logger.info({ signal }, 'signal during start-up: shutting down once started');
      pending = signal;
    }
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);

  return {
    attach(created: INestApplicationContext) {
      app = created;
      if (pending) close(created, pending);
    },
  };
}

import { INestApplicationContext } from '@nestjs/common';
import { Logger as PinoLogger } from 'pino';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * On SIGTERM/SIGINT: stop taking new work, let in-flight requests and jobs finish (app.close() runs every
 * shutdown hook), then exit 0. A second signal, or a drain longer than `timeoutMs`, exits at once with 1.
 */
export function installGracefulShutdown(
  app: INestApplicationContext,
  logger: PinoLogger,
  timeoutMs: number,
): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal during shutdown, exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down: draining in-flight work');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out, exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    app
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
  for (const signal of SIGNALS) process.on(signal, shutdown);
}

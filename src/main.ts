import { loadAppConfigOrExit } from './config/app.config';

/**
 * The API process. Configuration is validated before any module is loaded, so an insecure or incomplete
 * environment stops the process at once with a message naming the variable.
 */
async function bootstrap(): Promise<void> {
  const config = loadAppConfigOrExit('HairOne API');
  const { createRootLogger } = await import('./common/logging/logger');
  const { createApiApp } = await import('./app.factory');
  const { installGracefulShutdown } = await import('./common/lifecycle/graceful-shutdown');

  const logger = createRootLogger({ level: config.logLevel, name: 'hairone-api' });
  const shutdown = installGracefulShutdown(logger, config.shutdownTimeoutMs);
  const app = await createApiApp(config, logger);
  shutdown.attach(app);
  await app.listen({ port: config.http.port, host: config.http.host });
  logger.info(
    { port: config.http.port, docs: config.http.docsEnabled ? '/docs' : 'disabled' },
    `HairOne API listening on ${await app.getUrl()}`,
  );
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`HairOne API failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});

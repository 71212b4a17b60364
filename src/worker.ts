import { loadAppConfigOrExit } from './config/app.config';

/** The worker process: same configuration and modules as the API, no HTTP port. */
async function bootstrap(): Promise<void> {
  const config = loadAppConfigOrExit('HairOne worker');
  const { NestFactory } = await import('@nestjs/core');
  const { createRootLogger, PinoNestLogger } = await import('./common/logging/logger');
  const { WorkerModule } = await import('./worker.module');
  const { installGracefulShutdown } = await import('./common/lifecycle/graceful-shutdown');

  const logger = createRootLogger({ level: config.logLevel, name: 'hairone-worker' });
  // Before the context: creating it already runs the bootstrap hooks (processors start, health is logged).
  const shutdown = installGracefulShutdown(logger, config.shutdownTimeoutMs);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  shutdown.attach(app);
  await app.init();
  logger.info('HairOne worker started');
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`HairOne worker failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});

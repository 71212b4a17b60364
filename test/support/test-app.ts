import { ModuleMetadata } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';

import { createApiApp } from '../../src/app.factory';
import { Clock } from '../../src/common/clock/clock';
import { createRootLogger } from '../../src/common/logging/logger';
import { AppConfig } from '../../src/config/app.config';
import { testConfig } from './test-env';

export type TestAgent = ReturnType<typeof request>;

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  http: TestAgent;
  close(): Promise<void>;
}

/** The real API (every module, guard, pipe and filter) on this run's database and Redis, over real HTTP. */
export async function createTestApp(
  overrides: Record<string, string | undefined> = {},
  extraImports: ModuleMetadata['imports'] = [],
  clock?: Clock,
): Promise<TestApp> {
  const config = testConfig(overrides);
  const logger = createRootLogger({ level: config.logLevel, name: 'hairone-test' });
  const app = await createApiApp(config, logger, extraImports, clock);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    config,
    http: request(app.getHttpServer()),
    close: () => app.close(),
  };
}

import { DataSource } from 'typeorm';

import { loadAppConfig } from '../config/app.config';
import { buildDataSourceOptions } from './data-source.options';
import { ENTITIES } from './entities';

/** For the TypeORM CLI (`npx typeorm -d dist/src/database/data-source.js ...`) and the migrate script. */
export const AppDataSource = new DataSource({
  ...buildDataSourceOptions(loadAppConfig(), 'hairone-cli'),
  entities: ENTITIES,
});

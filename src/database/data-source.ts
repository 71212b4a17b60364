import { DataSource } from 'typeorm';

import { loadAppConfig } from '../config/app.config';
import { ENTITIES } from './entities';
import { buildDataSourceOptions } from './data-source.options';

/** For the TypeORM CLI (`npx typeorm -d dist/src/database/data-source.js ...`) and the migrate script. */
export const AppDataSource = new DataSource({
  ...buildDataSourceOptions(loadAppConfig(), 'hairone-cli'),
  entities: ENTITIES,
});

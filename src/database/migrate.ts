import { DataSource } from 'typeorm';

import { loadAppConfigOrExit } from '../config/app.config';
import { buildDataSourceOptions } from './data-source.options';

/** `npm run migrate`: applies every pending migration, each in its own transaction. */
export async function runMigrations(databaseUrl?: string): Promise<string[]> {
  const config = loadAppConfigOrExit('migrate');
  const options = buildDataSourceOptions(
    databaseUrl ? { ...config, database: { ...config.database, url: databaseUrl } } : config,
    'hairone-migrate',
  );
  const dataSource = await new DataSource(options).initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  runMigrations()
    .then((applied) => {
      process.stdout.write(
        applied.length ? `Applied migrations: ${applied.join(', ')}\n` : 'Database schema is up to date\n',
      );
    })
    .catch((error: Error) => {
      process.stderr.write(`Migration failed: ${error.message}\n`);
      process.exit(1);
    });
}

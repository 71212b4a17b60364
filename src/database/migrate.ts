import { DataSource } from 'typeorm';

import { AppConfig, loadAppConfigOrExit } from '../config/app.config';
import { buildDataSourceOptions } from './data-source.options';

/** Applies every pending migration, each in its own transaction; returns the names of those applied. */
export async function runMigrations(config: AppConfig): Promise<string[]> {
  const dataSource = await new DataSource(buildDataSourceOptions(config, 'hairone-migrate')).initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  runMigrations(loadAppConfigOrExit('migrate'))
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

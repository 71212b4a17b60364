import { DataSource } from 'typeorm';

import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { createTestApp } from '../support/test-app';

describe('First admin from BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD (e2e)', () => {
  let database: ScratchDatabase;
  const env = () => ({
    DATABASE_URL: database.url,
    BOOTSTRAP_ADMIN_EMAIL: 'Root@HairOne.test',
    BOOTSTRAP_ADMIN_PASSWORD: 'a-long-bootstrap-password',
  });

  beforeAll(async () => {
    database = await createScratchDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  it('creates the admin once, even when several instances start together, and it can sign in', async () => {
    const apps = await Promise.all([createTestApp(env()), createTestApp(env()), createTestApp(env())]);
    try {
      const admins = await apps[0].app
        .get(DataSource)
        .query(`SELECT email, role FROM users WHERE role = 'admin'`);
      expect(admins).toEqual([{ email: 'root@hairone.test', role: 'admin' }]);

      const login = await apps[1].http
        .post('/api/v1/auth/login')
        .send({ email: 'root@hairone.test', password: 'a-long-bootstrap-password' })
        .expect(200);
      expect(login.body.user.role).toBe('admin');
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  it('leaves an existing admin alone when the variables change', async () => {
    const app = await createTestApp({ ...env(), BOOTSTRAP_ADMIN_EMAIL: 'other@hairone.test' });
    try {
      const admins = await app.app.get(DataSource).query(`SELECT email FROM users WHERE role = 'admin'`);
      expect(admins).toEqual([{ email: 'root@hairone.test' }]);
    } finally {
      await app.close();
    }
  });
});

import { randomUUID } from 'node:crypto';

import * as bcrypt from 'bcrypt';
import { DataSource } from 'typeorm';

import { Role } from '../../src/users/role';
import { TestAgent, TestApp } from './test-app';

export interface GivenUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  accessToken: string;
  refreshToken: string;
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID()}@example.test`;
}

/** A customer or shop owner, registered through the public API. */
export async function givenUser(
  http: TestAgent,
  role: Exclude<Role, 'admin'> = 'customer',
): Promise<GivenUser> {
  const email = uniqueEmail(role);
  const password = `pw-${randomUUID()}`;
  const response = await http
    .post('/api/v1/auth/register')
    .send({ name: `Test ${role}`, email, password, role })
    .expect(201);
  return {
    id: response.body.user.id,
    email,
    password,
    role,
    accessToken: response.body.accessToken,
    refreshToken: response.body.refreshToken,
  };
}

/** An admin: there is no way to register one, so it is written to the database, then signs in through the API. */
export async function givenAdmin(testApp: TestApp): Promise<GivenUser> {
  const email = uniqueEmail('admin');
  const password = `pw-${randomUUID()}`;
  const dataSource = testApp.app.get(DataSource);
  await dataSource.query(
    `INSERT INTO users (name, email, password_hash, role) VALUES ('Test admin', $1, $2, 'admin')`,
    [email, await bcrypt.hash(password, 4)],
  );
  const response = await testApp.http.post('/api/v1/auth/login').send({ email, password }).expect(200);
  return {
    id: response.body.user.id,
    email,
    password,
    role: 'admin',
    accessToken: response.body.accessToken,
    refreshToken: response.body.refreshToken,
  };
}

import { randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';

import { GivenUser } from './factories';
import { TestAgent, TestApp } from './test-app';

export const WEEKDAYS_9_TO_8 = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
  weekday,
  opens: '09:00',
  closes: '20:00',
}));

export function shopBody(overrides: Record<string, unknown> = {}) {
  return {
    name: `Shop ${randomUUID().slice(0, 8)}`,
    address: '12 MG Road, Bengaluru',
    location: { lat: 12.9716, lng: 77.5946 },
    timezone: 'Asia/Kolkata',
    openingHours: WEEKDAYS_9_TO_8,
    slotIntervalMinutes: 15,
    ...overrides,
  };
}

const bearer = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });

export interface GivenShop {
  id: string;
  body: Record<string, unknown>;
  services: Array<{ id: string; durationMinutes: number; pricePaise: number }>;
  staff: Array<{ id: string }>;
}

/** A shop created through the API by `owner`, approved by `admin` unless `approved: false`, with services and staff. */
export async function givenShop(
  http: TestAgent,
  owner: GivenUser,
  admin: GivenUser | undefined,
  options: {
    approved?: boolean;
    staff?: number;
    services?: number;
    overrides?: Record<string, unknown>;
  } = {},
): Promise<GivenShop> {
  const body = shopBody(options.overrides);
  const created = await http.post('/api/v1/shops').set(bearer(owner)).send(body).expect(201);
  const id: string = created.body.id;
  const services = [];
  for (let i = 0; i < (options.services ?? 1); i++) {
    const service = await http
      .post(`/api/v1/shops/${id}/services`)
      .set(bearer(owner))
      .send({ name: `Service ${i + 1}`, durationMinutes: 30 + 15 * i, pricePaise: 30_000 + 10_000 * i })
      .expect(201);
    services.push(service.body);
  }
  const staff = [];
  for (let i = 0; i < (options.staff ?? 1); i++) {
    staff.push(
      (
        await http
          .post(`/api/v1/shops/${id}/staff`)
          .set(bearer(owner))
          .send({ name: `Staff ${i + 1}` })
          .expect(201)
      ).body,
    );
  }
  if (options.approved !== false) {
    if (!admin) throw new Error('givenShop needs an admin to approve the shop');
    await http.post(`/api/v1/shops/${id}/approve`).set(bearer(admin)).expect(200);
  }
  return { id, body, services, staff };
}

/** Many shops at once, straight into the database: for search tests that need hundreds of them. */
export async function insertShops(
  testApp: TestApp,
  ownerId: string,
  shops: Array<{ lat: number; lng: number; status?: string }>,
): Promise<string[]> {
  const rows: Array<{ id: string }> = await testApp.app.get(DataSource).query(
    `INSERT INTO shops (owner_id, name, address, location, timezone, commission_bps, status)
     SELECT $1, 'Bulk shop', 'Somewhere', ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326)::geography, 'Asia/Kolkata', 1000, p.status
       FROM jsonb_to_recordset($2::jsonb) AS p(lat float8, lng float8, status text)
     RETURNING id`,
    [ownerId, JSON.stringify(shops.map((shop) => ({ status: 'active', ...shop })))],
  );
  return rows.map((row) => row.id);
}

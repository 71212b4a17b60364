import { randomBytes, randomUUID } from 'node:crypto';

import { SignedEvent } from '../../../dev/razorpay-stand-in/razorpay-stand-in';
import { ALL_DAY, localDate } from '../bookings';
import { GivenUser, uniqueEmail } from '../factories';
import { WEBHOOK_PATH } from '../payments';
import { shopBody } from '../shops';
import { Answer, World } from './world';

export interface ServiceM {
  id: string;
  durationMinutes: number;
  bufferMinutes: number;
  pricePaise: number;
}

export interface ShopM {
  id: string;
  owner: GivenUser;
  services: ServiceM[];
  staff: string[];
  active: boolean;
  account: string | null;
}

export interface BookingM {
  id: string;
  shop: ShopM;
  customer: GivenUser;
  service: ServiceM;
  body: Record<string, unknown>;
  key?: string;
  orderId?: string;
}

export interface PaymentM {
  booking: BookingM;
  orderId: string;
  paymentId: string;
  signature: string;
}

/**
 * What the simulation knows of the world it made in one sequence: the users, shops, bookings and payments it created
 * (referred to by index from the generated commands), the webhooks Razorpay has sent that have not reached the API
 * yet (so they can be delivered late, out of order, twice or forged), and the log of steps. The truth about a
 * booking's state is read from the database when a command needs it: the model predicts what the API must answer
 * from that state and the contract's rules.
 */
export class Model {
  readonly customers: GivenUser[] = [];
  readonly shops: ShopM[] = [];
  readonly bookings: BookingM[] = [];
  readonly payments: PaymentM[] = [];
  /** Webhooks Razorpay sent that are still on their way to the API. */
  pending: SignedEvent[] = [];
  readonly delivered: SignedEvent[] = [];
  dashboardRefunds: Array<{ refundId: string; paymentId: string }> = [];
  readonly timeOff: Array<{ shop: ShopM; staffId: string; id: string }> = [];
  readonly overrides: Array<{ shop: ShopM; id: string; date: string }> = [];
  readonly log: string[] = [];

  day(offset: number): string {
    return localDate(offset);
  }

  deliver(
    world: World,
    event: SignedEvent,
    overrides: { body?: string; signature?: string | null; eventId?: string | null } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    const signature = overrides.signature === undefined ? event.signature : overrides.signature;
    const eventId = overrides.eventId === undefined ? event.id : overrides.eventId;
    if (signature !== null) headers['X-Razorpay-Signature'] = signature;
    if (eventId !== null) headers['X-Razorpay-Event-Id'] = eventId;
    if (overrides.body === undefined && signature === event.signature && eventId === event.id) {
      this.delivered.push(event);
    }
    return world.callRaw('post', WEBHOOK_PATH, headers, overrides.body ?? event.body);
  }
}

export const bearer = (user: GivenUser) => ({ as: user });

/** An answer the caller allows, as "201" or "409 SLOT_UNAVAILABLE"; a 503 is allowed while a fault is injected. */
export function expectAnswer(world: World, what: string, answer: Answer, allowed: string[]): void {
  const code = answer.body?.code as string | undefined;
  const ok = allowed.some((entry) => {
    const [status, expected] = entry.split(' ');
    return Number(status) === answer.status && (expected === undefined || expected === code);
  });
  if (ok || (answer.status === 503 && answer.faulted)) return;
  throw new Error(
    `${what}: answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 800)}; the contract allows ${allowed.join(', ')}` +
      (answer.faulted ? ' (or 503 during the fault)' : ''),
  );
}

export async function register(world: World, role: 'customer' | 'shop_owner'): Promise<GivenUser | null> {
  const email = uniqueEmail(role === 'customer' ? 'sim-customer' : 'sim-owner');
  const password = `pw-${randomUUID()}`;
  const answer = await world.call('post', '/api/v1/auth/register', {
    body: { name: `Sim ${role}`, email, password, role },
  });
  expectAnswer(world, 'register', answer, ['201']);
  if (answer.status !== 201) return null;
  return {
    id: answer.body.user.id,
    email,
    password,
    role,
    accessToken: answer.body.accessToken,
    refreshToken: answer.body.refreshToken,
  };
}

export const newAccountId = () => `acc_${randomBytes(10).toString('hex').slice(0, 14)}`;

/**
 * A shop made through the API: created by a new owner, open around the clock, with a plain service and one with a
 * buffer, `staff` staff members; approved and given a payout account unless told otherwise. Null when a fault
 * stopped it half way (what was made stays in the database, unknown to the model).
 */
export async function newShop(
  world: World,
  options: { approve: boolean; link: boolean; staff: number },
): Promise<ShopM | null> {
  const owner = await register(world, 'shop_owner');
  if (!owner) return null;
  const created = await world.call('post', '/api/v1/shops', {
    as: owner,
    body: shopBody({ openingHours: ALL_DAY, slotIntervalMinutes: 15 }),
  });
  expectAnswer(world, 'create shop', created, ['201']);
  if (created.status !== 201) return null;
  const shop: ShopM = { id: created.body.id, owner, services: [], staff: [], active: false, account: null };
  for (const service of [
    { name: 'Cut', durationMinutes: 30, pricePaise: 30_000, bufferMinutes: 0 },
    { name: 'Colour', durationMinutes: 45, pricePaise: 45_050, bufferMinutes: 15 },
  ]) {
    const answer = await world.call('post', `/api/v1/shops/${shop.id}/services`, {
      as: owner,
      body: service,
    });
    expectAnswer(world, 'create service', answer, ['201']);
    if (answer.status !== 201) return null;
    shop.services.push({ id: answer.body.id, ...service });
  }
  for (let i = 0; i < options.staff; i++) {
    const answer = await world.call('post', `/api/v1/shops/${shop.id}/staff`, {
      as: owner,
      body: { name: `Staff ${i + 1}` },
    });
    expectAnswer(world, 'create staff', answer, ['201']);
    if (answer.status !== 201) return null;
    shop.staff.push(answer.body.id);
  }
  if (options.approve && !(await approve(world, shop))) return null;
  if (options.link && !(await link(world, shop))) return null;
  return shop;
}

export async function approve(world: World, shop: ShopM): Promise<boolean> {
  const answer = await world.call('post', `/api/v1/shops/${shop.id}/approve`, { as: world.admin });
  expectAnswer(world, 'approve shop', answer, ['200']);
  if (answer.status === 200) shop.active = true;
  return answer.status === 200;
}

export async function link(world: World, shop: ShopM): Promise<boolean> {
  const account = newAccountId();
  const answer = await world.call('patch', `/api/v1/shops/${shop.id}`, {
    as: world.admin,
    body: { payoutAccountId: account },
  });
  expectAnswer(world, 'link payout account', answer, ['200']);
  if (answer.status === 200) shop.account = account;
  return answer.status === 200;
}

/** The first world of every sequence: one active shop with two staff and a linked account, two customers. */
export async function newModel(world: World): Promise<Model> {
  const model = new Model();
  const shop = await newShop(world, { approve: true, link: true, staff: 2 });
  if (!shop) throw new Error('Could not set up the first shop of the sequence');
  model.shops.push(shop);
  for (let i = 0; i < 2; i++) {
    const customer = await register(world, 'customer');
    if (!customer) throw new Error('Could not register the first customers of the sequence');
    model.customers.push(customer);
  }
  return model;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { ShopStatus } from './shop-status';

export interface GeoPoint {
  type: 'Point';
  /** GeoJSON order: [longitude, latitude]. */
  coordinates: [number, number];
}

@Entity('shops')
export class Shop {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  address: string;

  @Column({ type: 'geography', spatialFeatureType: 'Point', srid: 4326 })
  location: GeoPoint;

  @Column({ type: 'text' })
  timezone: string;

  @Column({ name: 'opening_hours', type: 'jsonb' })
  openingHours: OpeningInterval[];

  @Column({ name: 'slot_interval_minutes', type: 'integer' })
  slotIntervalMinutes: number;

  @Column({ name: 'commission_bps', type: 'integer' })
  commissionBps: number;

  /** The cancellation policy (see libs/bookings/cancellation-policy.ts); each booking keeps a copy. */
  @Column({ name: 'free_cancellation_hours', type: 'integer' })
  freeCancellationHours: number;

  @Column({ name: 'late_cancellation_fee_bps', type: 'integer' })
  lateCancellationFeeBps: number;

  @Column({ name: 'no_show_fee_bps', type: 'integer' })
  noShowFeeBps: number;

  /** The shop's Razorpay Route linked account (`acc_...`) that payouts go to; set by admins. */
  @Column({ name: 'payout_account_id', type: 'text', nullable: true })
  payoutAccountId: string | null;

  @Column({ type: 'text' })
  status: ShopStatus;

  /** How many visible reviews the shop has; changed in the transaction of every review change. */
  @Column({ name: 'rating_count', type: 'integer', insert: false, update: false })
  ratingCount: number;

  /** Mean of the visible ratings to one decimal (written with their sum and count); null: none. */
  @Column({
    name: 'rating_average',
    type: 'numeric',
    insert: false,
    update: false,
    transformer: {
      to: (value: unknown) => value,
      from: (value: string | null) => (value === null ? null : Number(value)),
    },
  })
  ratingAverage: number | null;

  /** Bumped by every change that affects slots (hours, interval, services, staff): part of the slot cache key. */
  @Column({ name: 'config_version', type: 'integer' })
  configVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

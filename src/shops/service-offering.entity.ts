import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A service a shop offers (a haircut, a shave): how long it takes and what it costs. */
@Entity('services')
export class ServiceOffering {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'shop_id', type: 'uuid' })
  shopId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'duration_minutes', type: 'integer' })
  durationMinutes: number;

  /** Time after the service in which its staff member takes no other booking (cleaning, rest). */
  @Column({ name: 'buffer_minutes', type: 'integer', default: 0 })
  bufferMinutes: number;

  @Column({ name: 'price_paise', type: 'integer' })
  pricePaise: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

import { OpeningInterval } from '../../libs/schedule/opening-hours';

/** The unit of capacity: a staff member serves one booking at a time. */
@Entity('staff')
export class StaffMember {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'shop_id', type: 'uuid' })
  shopId: string;

  @Column({ type: 'text' })
  name: string;

  /** Own weekly hours, inside the shop's; null = the shop's hours. */
  @Column({ name: 'working_hours', type: 'jsonb', nullable: true })
  workingHours: OpeningInterval[] | null;

  /** The services they perform; null = every service. */
  @Column({ name: 'service_ids', type: 'uuid', array: true, nullable: true })
  serviceIds: string[] | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

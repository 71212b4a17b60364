import { BookingStatus } from '../../libs/bookings/booking-state';
import { CancellationPolicy } from '../../libs/bookings/cancellation-policy';
import { PaymentMethod, PaymentStatus } from '../../libs/payments/payment-status';
import { BookingSettlementStatus } from '../../libs/settlement/settlement-status';

/** The provider order an ONLINE booking is paid against. */
export interface BookingPayment {
  id: string;
  provider: string;
  keyId: string;
  orderId: string;
  amountPaise: number;
  currency: string;
}

/** A booking as the services see it: what the repository reads, in camelCase, with its shop's zone and owner. */
export interface Booking {
  id: string;
  customerId: string;
  shopId: string;
  serviceId: string;
  staffId: string;
  startsAt: Date;
  endsAt: Date;
  /** The end of the service plus its buffer: the staff member's time this booking blocks. */
  blockedUntil: Date;
  /** The shop-local date of `startsAt`: the booking's shop-day and its partition. */
  localDate: string;
  status: BookingStatus;
  paymentMethod: PaymentMethod;
  paymentStatus: PaymentStatus;
  amountPaise: number;
  commissionBps: number;
  /** round(chargedPaise * commissionBps / 10000), fixed when the booking reaches its final status. */
  commissionPaise: number;
  /** What the customer finally pays: the amount (confirmed, completed), a kept fee, or nothing. */
  chargedPaise: number;
  /** What was given back of the money paid online, as the provider reported it. */
  refundedPaise: number;
  rescheduleCount: number;
  /** The shop's cancellation policy when the booking was made. */
  policy: CancellationPolicy;
  settlementStatus: BookingSettlementStatus;
  expiresAt: Date | null;
  cancelReason: string | null;
  createdAt: Date;
  /** From the shop: bookings are shown in its time zone, and its owner may manage them. */
  timezone: string;
  shopOwnerId: string;
  /** ONLINE bookings once their provider order is stored. */
  payment: BookingPayment | null;
}

/** A booking's key: its id and its local date, which names its partition. */
export type BookingKey = Pick<Booking, 'id' | 'localDate'>;

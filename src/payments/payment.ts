import { BookingStatus } from '../../libs/bookings/booking-state';
import { RefundStatus } from '../../libs/payments/payment-status';

/** A booking's provider order and what the provider said about it, with the booking facts payment handling needs. */
export interface Payment {
  id: string;
  bookingId: string;
  provider: string;
  providerOrderId: string;
  amountPaise: number;
  currency: string;
  providerPaymentId: string | null;
  refundStatus: RefundStatus | null;
  /** What the refund asks for: all that was paid, or less when a fee is kept. */
  refundAmountPaise: number | null;
  providerRefundId: string | null;
  customerId: string;
  shopId: string;
  localDate: string;
  bookingStatus: BookingStatus;
}

/** A webhook event as stored when it arrived, with how often processing it was attempted. */
export interface StoredEvent {
  provider: string;
  eventId: string;
  eventType: string;
  payload: unknown;
  attempts: number;
}

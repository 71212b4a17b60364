import { BookingStatus } from '../../libs/bookings/booking-state';

/** A booking's provider order and what the provider said about it, with the booking facts payment handling needs. */
export interface Payment {
  id: string;
  bookingId: string;
  provider: string;
  providerOrderId: string;
  amountPaise: number;
  currency: string;
  providerPaymentId: string | null;
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

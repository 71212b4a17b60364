import { BookingStatus } from '../bookings/booking-state';
import { PaymentStatus } from './payment-status';

/** What the platform knows about a booking when the provider reports a captured payment for its order. */
export interface BookingPaymentState {
  status: BookingStatus;
  paymentStatus: PaymentStatus;
  amountPaise: number;
  currency: string;
  /** The provider payment already recorded for this booking, if any. */
  paymentId: string | null;
}

export interface Capture {
  paymentId: string;
  amountPaise: number;
  currency: string;
}

export type CaptureDecision =
  /** Pay the booking: a pending hold becomes upcoming; an expired one is revived when its slot is still free. */
  | { kind: 'confirm'; revive: boolean }
  /** The booking expired and its slot is taken, or it was cancelled before the money arrived: refund. */
  | { kind: 'refund'; reason: 'slot_taken' | 'booking_cancelled' }
  /** This payment was already applied (a repeated webhook, or verify and webhook for one payment). */
  | { kind: 'already_applied' }
  /** Not applied; recorded for review. */
  | { kind: 'review'; reason: 'amount_mismatch' | 'currency_mismatch' | 'second_payment' };

/**
 * Decides what a captured payment means for a booking. States only move forward: a booking that is paid stays
 * paid, whatever arrives later and in whatever order. `slotFree` matters only for an expired hold.
 */
export function decideCapture(
  booking: BookingPaymentState,
  capture: Capture,
  slotFree: boolean,
): CaptureDecision {
  if (booking.paymentId !== null) {
    return booking.paymentId === capture.paymentId
      ? { kind: 'already_applied' }
      : { kind: 'review', reason: 'second_payment' };
  }
  if (capture.currency !== booking.currency) return { kind: 'review', reason: 'currency_mismatch' };
  if (capture.amountPaise !== booking.amountPaise) return { kind: 'review', reason: 'amount_mismatch' };
  switch (booking.status) {
    case 'pending_payment':
      return { kind: 'confirm', revive: false };
    case 'expired':
      return slotFree ? { kind: 'confirm', revive: true } : { kind: 'refund', reason: 'slot_taken' };
    default:
      // Cancelled while the customer was paying (or any later state): the money goes back.
      return { kind: 'refund', reason: 'booking_cancelled' };
  }
}

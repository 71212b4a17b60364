import { BookingStatus } from '../../libs/bookings/booking-state';
import { NotificationChannel, NotificationStatus } from '../../libs/notifications/notification-status';
import { Template } from '../../libs/notifications/templates';
import { PaymentMethod } from '../../libs/payments/payment-status';

/** A message in the outbox as the services see it, in camelCase. */
export interface Notification {
  id: string;
  userId: string;
  channel: NotificationChannel;
  template: Template;
  bookingId: string | null;
  settlementId: string | null;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  /** When it is due (reminders are due before the appointment). */
  sendAfter: Date;
  createdAt: Date;
  sentAt: Date | null;
}

/**
 * A message with everything its template needs, read when it is sent (so it shows the state at that time): its
 * recipient, its booking's facts (null without a booking), its settlement's (null without one), and the shop.
 */
export interface MessageContext extends Notification {
  recipientName: string;
  recipientEmail: string;
  recipientPhone: string | null;
  bookingStatus: BookingStatus | null;
  startsAt: Date | null;
  paymentMethod: PaymentMethod | null;
  amountPaise: number | null;
  /** What the booking finally costs, what was captured of it online, and what goes back. */
  chargedPaise: number;
  paidPaise: number;
  refundPaise: number;
  cancelReason: string | null;
  customerName: string | null;
  serviceName: string | null;
  shopName: string;
  shopAddress: string;
  timezone: string;
  settlementCutoff: Date | null;
  bookingCount: number | null;
  /** A settlement's sums in paise (bigint columns; a shop's sums fit a safe integer). */
  onlineCollectedPaise: number | null;
  commissionPaise: number | null;
  netPayablePaise: number | null;
}

/** An outbox message not yet handed to the queue. */
export interface UnrelayedMessage {
  id: string;
  sendAfter: Date;
}

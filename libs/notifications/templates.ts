import { DateTime } from 'luxon';

export const TEMPLATES = [
  'booking_confirmed',
  'booking_cancelled',
  'booking_expired',
  'booking_reminder',
  'new_booking',
  'settlement_statement',
  'booking_rescheduled',
  'shop_booking_rescheduled',
] as const;
export type Template = (typeof TEMPLATES)[number];

export interface BookingFacts {
  recipientName: string;
  customerName: string;
  shopName: string;
  shopAddress: string;
  serviceName: string;
  /** The appointment's start, and the shop's IANA zone it is shown in. */
  startsAt: Date;
  timezone: string;
  amountPaise: number;
  paymentMethod: 'ONLINE' | 'PAY_AT_SHOP';
  cancelReason: string | null;
  /** What was paid online and captured (0 when unpaid or paid at the shop). */
  paidPaise: number;
  /** What goes back of it (asked for or done). */
  refundPaise: number;
  /** What the customer finally pays: for a cancellation, the fee the shop keeps. */
  chargedPaise: number;
}

export interface SettlementFacts {
  recipientName: string;
  shopName: string;
  timezone: string;
  cutoff: Date;
  bookingCount: number;
  onlineCollectedPaise: number;
  commissionPaise: number;
  netPayablePaise: number;
}

export interface Rendered {
  subject: string;
  text: string;
  html: string;
  /** One line for SMS. */
  sms: string;
}

/** "₹1,234.50" from paise, with the sign in front. */
export function formatRupees(paise: number): string {
  const sign = paise < 0 ? '-' : '';
  const abs = Math.abs(paise);
  const rupees = Math.floor(abs / 100).toLocaleString('en-IN');
  return `${sign}₹${rupees}.${String(abs % 100).padStart(2, '0')}`;
}

/** "Fri 27 Nov 2026, 10:45 (Asia/Kolkata)": the shop's wall-clock time, whatever the server's zone. */
export function formatShopTime(instant: Date, timezone: string): string {
  return `${DateTime.fromJSDate(instant, { zone: timezone }).toFormat('ccc d LLL yyyy, HH:mm')} (${timezone})`;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

function render(subject: string, greeting: string, lines: string[], sms: string): Rendered {
  const text = [`Hello ${greeting},`, '', ...lines, '', '— HairOne'].join('\n');
  const html = [
    `<p>Hello ${escapeHtml(greeting)},</p>`,
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    '<p>— HairOne</p>',
  ].join('\n');
  return { subject, text, html, sms };
}

export function renderBooking(
  template: Exclude<Template, 'settlement_statement'>,
  facts: BookingFacts,
): Rendered {
  const when = formatShopTime(facts.startsAt, facts.timezone);
  const what = `${facts.serviceName} at ${facts.shopName}`;
  const where = `${facts.shopName}, ${facts.shopAddress}`;
  const price = formatRupees(facts.amountPaise);
  switch (template) {
    case 'booking_confirmed':
      return render(
        `Booking confirmed: ${what}, ${when}`,
        facts.recipientName,
        [
          `Your booking for ${what} on ${when} is confirmed.`,
          facts.paymentMethod === 'ONLINE' ? `Paid online: ${price}.` : `To pay at the shop: ${price}.`,
          `Address: ${where}.`,
        ],
        `HairOne: ${what} on ${when} is confirmed.`,
      );
    case 'booking_cancelled':
      return render(
        `Booking cancelled: ${what}, ${when}`,
        facts.recipientName,
        [
          `Your booking for ${what} on ${when} was cancelled.`,
          ...(facts.cancelReason ? [`Reason: ${facts.cancelReason}`] : []),
          ...cancellationMoney(facts),
        ],
        `HairOne: ${what} on ${when} was cancelled.${facts.refundPaise > 0 ? ` Refund: ${formatRupees(facts.refundPaise)}.` : ''}`,
      );
    case 'booking_expired':
      return render(
        `Booking not completed: ${what}, ${when}`,
        facts.recipientName,
        [
          `The slot for ${what} on ${when} was held for payment, which did not arrive in time; it is free again.`,
        ],
        `HairOne: the hold for ${what} on ${when} expired unpaid.`,
      );
    case 'booking_reminder':
      return render(
        `Reminder: ${what}, ${when}`,
        facts.recipientName,
        [`A reminder of your booking for ${what} on ${when}.`, `Address: ${where}.`],
        `HairOne reminder: ${what} on ${when}.`,
      );
    case 'new_booking':
      return render(
        `New booking at ${facts.shopName}: ${facts.serviceName}, ${when}`,
        facts.recipientName,
        [
          `${facts.customerName} booked ${what} on ${when}.`,
          facts.paymentMethod === 'ONLINE' ? `Paid online: ${price}.` : `To be paid at the shop: ${price}.`,
        ],
        `HairOne: new booking, ${facts.serviceName} on ${when} at ${facts.shopName}.`,
      );
    // Rendered from the booking as it is when sent, so they name the new time.
    case 'booking_rescheduled':
      return render(
        `Booking moved: ${what}, ${when}`,
        facts.recipientName,
        [`Your booking for ${what} was moved to ${when}.`, `Address: ${where}.`],
        `HairOne: ${what} was moved to ${when}.`,
      );
    case 'shop_booking_rescheduled':
      return render(
        `Booking moved at ${facts.shopName}: ${facts.serviceName}, ${when}`,
        facts.recipientName,
        [`The booking of ${facts.customerName} for ${what} was moved to ${when}.`],
        `HairOne: booking moved, ${facts.serviceName} now on ${when} at ${facts.shopName}.`,
      );
  }
}

/** What a cancelled customer gets back and what the shop keeps, in the customer's words. */
function cancellationMoney(facts: BookingFacts): string[] {
  if (facts.paidPaise === 0) return [];
  const lines: string[] = [];
  if (facts.refundPaise > 0)
    lines.push(
      `Refunded to you: ${formatRupees(facts.refundPaise)} of ${formatRupees(facts.paidPaise)} paid.`,
    );
  if (facts.chargedPaise > 0) {
    lines.push(`Kept by the shop under its cancellation policy: ${formatRupees(facts.chargedPaise)}.`);
  }
  return lines;
}

export function renderSettlement(facts: SettlementFacts): Rendered {
  const until = formatShopTime(facts.cutoff, facts.timezone);
  const net = facts.netPayablePaise;
  return render(
    `Settlement for ${facts.shopName}: ${formatRupees(net)}`,
    facts.recipientName,
    [
      `Settlement for ${facts.shopName} of ${facts.bookingCount} bookings up to ${until}.`,
      `Collected online: ${formatRupees(facts.onlineCollectedPaise)}. Commission: ${formatRupees(facts.commissionPaise)}.`,
      net >= 0
        ? `Owed to you: ${formatRupees(net)}.`
        : `Owed by you: ${formatRupees(-net)}, recovered from your next payouts.`,
    ],
    `HairOne: settlement for ${facts.shopName}: ${formatRupees(net)}.`,
  );
}

import * as fc from 'fast-check';

import {
  BookingFacts,
  escapeHtml,
  formatRupees,
  formatShopTime,
  renderBooking,
  renderSettlement,
} from './templates';

const booking: BookingFacts = {
  recipientName: 'Asha',
  customerName: 'Asha',
  shopName: 'Sharp Cuts',
  shopAddress: '10 Main Road, Bengaluru',
  serviceName: 'Haircut',
  startsAt: new Date('2026-11-27T05:15:00Z'),
  timezone: 'Asia/Kolkata',
  amountPaise: 30_000,
  paymentMethod: 'PAY_AT_SHOP',
  cancelReason: null,
};

describe('formatRupees', () => {
  it.each([
    [0, '₹0.00'],
    [5, '₹0.05'],
    [30_000, '₹300.00'],
    [12_345_678, '₹1,23,456.78'],
    [-9_000, '-₹90.00'],
  ])('%i paise -> %s', (paise, expected) => {
    expect(formatRupees(paise)).toBe(expected);
  });
});

describe('formatShopTime', () => {
  it("shows the shop's wall-clock time, not the server's", () => {
    expect(formatShopTime(new Date('2026-11-27T05:15:00Z'), 'Asia/Kolkata')).toBe(
      'Fri 27 Nov 2026, 10:45 (Asia/Kolkata)',
    );
    expect(formatShopTime(new Date('2026-07-01T12:00:00Z'), 'Europe/London')).toBe(
      'Wed 1 Jul 2026, 13:00 (Europe/London)',
    );
  });
});

describe('templates', () => {
  it.each([
    'booking_confirmed',
    'booking_cancelled',
    'booking_expired',
    'booking_reminder',
    'new_booking',
    'booking_rescheduled',
    'shop_booking_rescheduled',
  ] as const)('%s names the shop, the service and the shop-local time in every part', (template) => {
    const rendered = renderBooking(template, booking);
    for (const part of [rendered.subject, rendered.text, rendered.html, rendered.sms]) {
      expect(part).toContain('Sharp Cuts');
      expect(part).toContain('Haircut');
      expect(part).toContain('10:45');
    }
  });

  it('escapes what users typed in the HTML part, and only there', () => {
    const rendered = renderBooking('booking_cancelled', {
      ...booking,
      shopName: '<b>Cuts & Co</b>',
      cancelReason: '<script>alert(1)</script>',
    });
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.html).toContain('&lt;script&gt;');
    expect(rendered.html).toContain('&lt;b&gt;Cuts &amp; Co&lt;/b&gt;');
    expect(rendered.text).toContain('<script>alert(1)</script>');
  });

  it('never lets markup through escapeHtml', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(escapeHtml(value)).not.toMatch(/[<>"']/);
      }),
    );
  });

  it('tells the owner what the settlement owes, either way', () => {
    const facts = {
      recipientName: 'Ravi',
      shopName: 'Sharp Cuts',
      timezone: 'Asia/Kolkata',
      cutoff: new Date('2026-11-25T19:00:00Z'),
      bookingCount: 3,
      onlineCollectedPaise: 60_000,
      commissionPaise: 9_000,
      netPayablePaise: 51_000,
    };
    expect(renderSettlement(facts).text).toContain('Owed to you: ₹510.00');
    expect(renderSettlement({ ...facts, onlineCollectedPaise: 0, netPayablePaise: -9_000 }).text).toContain(
      'Owed by you: ₹90.00',
    );
    expect(renderSettlement(facts).text).toContain('26 Nov 2026, 00:30');
  });
});

import { Inject, Injectable } from '@nestjs/common';

import { PLATFORM_CURRENCY } from '../../libs/money/money';
import { Booking } from '../bookings/booking';
import { PaymentsRepository } from './payments.repository';
import { PAYMENT_PROVIDER, PaymentProvider } from './providers/payment-provider';

/** Opens the provider order an ONLINE booking is paid against. Used by booking creation. */
@Injectable()
export class CheckoutService {
  constructor(
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly payments: PaymentsRepository,
  ) {}

  get enabled(): boolean {
    return this.provider.enabled;
  }

  /**
   * Creates the order at the provider, then stores it. Called outside any transaction (a network call must not
   * hold locks); when two callers race for one booking, only the first stored order is ever shown.
   */
  async openOrder(booking: Pick<Booking, 'id' | 'amountPaise' | 'expiresAt'>): Promise<void> {
    const expiresAt = booking.expiresAt ?? new Date();
    const order = await this.provider.createOrder({
      bookingId: booking.id,
      amountPaise: booking.amountPaise,
      currency: PLATFORM_CURRENCY,
      holdSeconds: Math.max(0, Math.ceil((expiresAt.getTime() - Date.now()) / 1000)),
    });
    await this.payments.insertOrder({
      bookingId: booking.id,
      provider: this.provider.name,
      keyId: this.provider.keyId,
      orderId: order.orderId,
      amountPaise: order.amountPaise,
      currency: order.currency,
      expiresAt,
    });
  }
}

import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

/**
 * What Razorpay Checkout hands the client after a successful payment, passed on as is. The format of each value
 * is not checked here: anything that is not a valid signature of a known order is answered INVALID_SIGNATURE.
 */
export class VerifyRazorpayPaymentDto {
  @ApiProperty({ example: 'order_NXt7Zq9Lr2Vb8K', minLength: 1, maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  razorpay_order_id: string;

  @ApiProperty({ example: 'pay_NXt8Ab3Cd4Ef5G', minLength: 1, maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  razorpay_payment_id: string;

  @ApiProperty({
    description: 'Hex HMAC-SHA256 of `order_id|payment_id` with the key secret',
    maxLength: 256,
  })
  @IsString()
  @MaxLength(256)
  razorpay_signature: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorResponseDto {
  @ApiProperty({ example: 409 })
  statusCode: number;

  @ApiProperty({ example: 'Conflict' })
  error: string;

  @ApiProperty({ example: 'An account with this e-mail already exists' })
  message: string;

  @ApiProperty({ example: 'EMAIL_TAKEN', description: 'Stable machine-readable error code' })
  code: string;

  @ApiPropertyOptional({ type: [String], description: 'Every validation problem, when there are several' })
  details?: string[];

  @ApiPropertyOptional({ example: '7f0c7d1e-8d0a-4d8e-9a52-2f6f0b1e8a11' })
  requestId?: string;
}

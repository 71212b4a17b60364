import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { concatMap, Observable } from 'rxjs';

import { DatabaseReader } from './database-reader';

const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Gives every API request its read scope (who is asking, so their reads see their own writes), and after a
 * signed-in user's request that may have written, remembers the primary's position for that user before the
 * answer leaves: their next request, on any instance, reads at least that far.
 */
@Injectable()
export class ReadScopeInterceptor implements NestInterceptor {
  constructor(private readonly reader: DatabaseReader) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.reader.hasReplicas) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const userId = request.user?.id;
    const writes = userId !== undefined && !READ_ONLY_METHODS.has(request.method);
    return new Observable((subscriber) =>
      this.reader.runInScope(userId, () => {
        const handled = next.handle();
        const answered = writes
          ? handled.pipe(
              concatMap(async (value: unknown) => {
                await this.reader.rememberWrite(userId);
                return value;
              }),
            )
          : handled;
        return answered.subscribe(subscriber);
      }),
    );
  }
}

import type { JobOptions, Queue } from 'bull';

import { withTimeout } from '../common/async/with-timeout';
import { ENQUEUE_TIMEOUT_MS } from './queues.constants';

/**
 * Makes sure a job with this id is waiting or running: adds it, retries it when it failed for good, or adds it
 * again when it completed (the work it stands for is idempotent, so running it again is harmless). Gives up after
 * ENQUEUE_TIMEOUT_MS so a Redis outage never hangs the caller; the database row the job stands for is the durable
 * record, and the worker's sweeps enqueue it later.
 */
export async function ensureJob(
  queue: Queue,
  name: string,
  data: object,
  jobId: string,
  options: JobOptions = {},
): Promise<void> {
  await withTimeout(
    (async () => {
      const existing = await queue.getJob(jobId);
      if (existing && (await existing.isFailed())) return existing.retry();
      if (existing && (await existing.isCompleted())) await existing.remove();
      else if (existing) return;
      await queue.add(name, data, { ...options, jobId });
    })(),
    ENQUEUE_TIMEOUT_MS,
    `Redis did not accept the job in ${ENQUEUE_TIMEOUT_MS} ms`,
  );
}

/** A failure answered in Razorpay's error shape with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
  ) {
    super(description);
  }
}

/** A review as the application sees it (the `reviews` row stays in reviews.repository.ts). */
export interface Review {
  id: string;
  bookingId: string;
  shopId: string;
  serviceId: string;
  customerId: string;
  rating: number;
  comment: string | null;
  reply: string | null;
  repliedAt: Date | null;
  hidden: boolean;
  hiddenReason: string | null;
  createdAt: Date;
}

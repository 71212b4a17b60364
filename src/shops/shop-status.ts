export const SHOP_STATUSES = ['pending_approval', 'active', 'suspended'] as const;
export type ShopStatus = (typeof SHOP_STATUSES)[number];

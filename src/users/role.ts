export const ROLES = ['customer', 'shop_owner', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles a person may choose when registering; admins are only ever created by another admin or at bootstrap. */
export const SELF_SERVICE_ROLES = ['customer', 'shop_owner'] as const satisfies readonly Role[];

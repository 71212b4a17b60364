import { RefreshToken } from '../auth/refresh-token.entity';
import { ServiceOffering } from '../shops/service-offering.entity';
import { Shop } from '../shops/shop.entity';
import { StaffMember } from '../shops/staff-member.entity';
import { User } from '../users/user.entity';

/** Every entity, for the standalone data source of the TypeORM CLI (Nest modules register their own). */
export const ENTITIES = [User, RefreshToken, Shop, ServiceOffering, StaffMember];

import { InitAccounts1795626146681 } from './1795626146681-init-accounts';
import { Shops1795627485621 } from './1795627485621-shops';
import { NearbyShopsFunction1795628246462 } from './1795628246462-nearby-shops-function';
import { Bookings1795629202051 } from './1795629202051-bookings';
import { Payments1795700000000 } from './1795700000000-payments';
import { Settlements1795800000000 } from './1795800000000-settlements';
import { Notifications1795900000000 } from './1795900000000-notifications';
import { DatabaseSettings1796000000000 } from './1796000000000-database-settings';
import { PartitionedBookings1796100000000 } from './1796100000000-partitioned-bookings';
import { BookingLifecycle1796200000000 } from './1796200000000-booking-lifecycle';
import { ListIndexes1796300000000 } from './1796300000000-list-indexes';
import { Refunds1796400000000 } from './1796400000000-refunds';
import { PayoutsOfBalance1796500000000 } from './1796500000000-payouts-of-balance';
import { Scheduling1796600000000 } from './1796600000000-scheduling';
import { Discovery1796700000000 } from './1796700000000-discovery';

/** Every migration, oldest first. Listed explicitly so the same list works from TypeScript, JavaScript and Jest. */
export const MIGRATIONS = [
  InitAccounts1795626146681,
  Shops1795627485621,
  NearbyShopsFunction1795628246462,
  Bookings1795629202051,
  Payments1795700000000,
  Settlements1795800000000,
  Notifications1795900000000,
  DatabaseSettings1796000000000,
  PartitionedBookings1796100000000,
  BookingLifecycle1796200000000,
  ListIndexes1796300000000,
  Refunds1796400000000,
  PayoutsOfBalance1796500000000,
  Scheduling1796600000000,
  Discovery1796700000000,
];

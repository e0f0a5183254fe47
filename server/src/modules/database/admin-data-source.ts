/**
 * The DataSource of the cross-tenant pool, whose connections run as `tenantgram_admin`
 * (BYPASSRLS): `@InjectDataSource(ADMIN_DATA_SOURCE)`. Only AdminDb, the system lookups, the
 * support console's reads and housekeeping use it; everything else uses the default one.
 */
export const ADMIN_DATA_SOURCE = 'admin';

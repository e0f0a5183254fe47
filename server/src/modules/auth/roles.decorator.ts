import { SetMetadata } from '@nestjs/common';
import { UserRole } from '../tenants/user.entity';

export const ROLES = 'tenantgram:roles';

/**
 * Roles allowed on a controller or route. Without it a route is for tenants
 * only: staff reach tenant data through /api/admin, never as a tenant.
 */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);

export const STAFF_ROLES = [UserRole.Support, UserRole.Admin];
export const DEFAULT_ROLES = [UserRole.Tenant];

import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'tenantgram:is-public';

/**
 * Marks a controller or route as reachable without a token. Every route is
 * either guarded or carries this marker; a test walks the router to hold that.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

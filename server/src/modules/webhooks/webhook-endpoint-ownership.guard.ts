import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { HttpRequest } from '../../common/http/http-types';
import type { AuthUser } from '../auth/auth-user';
import { endpointNotFound } from './webhooks.errors';
import { WebhooksService } from './webhooks.service';

/**
 * On endpoint routes that take a body: the endpoint (`:id`) must be the caller's, checked before the
 * body is, so another tenant's endpoint answers 404 exactly like a missing one whatever is sent.
 */
@Injectable()
export class WebhookEndpointOwnershipGuard implements CanActivate {
  constructor(private readonly webhooks: WebhooksService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<HttpRequest & { user?: AuthUser }>();
    const id = req.params.id;
    if (typeof id !== 'string') throw new Error('WebhookEndpointOwnershipGuard is on a route without :id');
    if (!req.user || !(await this.webhooks.owns(req.user.id, id))) throw endpointNotFound(id);
    return true;
  }
}

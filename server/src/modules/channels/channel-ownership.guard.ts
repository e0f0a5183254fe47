import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { HttpRequest } from '../../common/http/http-types';
import type { AuthUser } from '../auth/auth-user';
import { channelNotFound } from './channels.errors';
import { ChannelsService } from './channels.service';

/** Route parameters that name a channel, in the order they are looked for. */
export const CHANNEL_ID_PARAMS = ['channel_id', 'channelId', 'id'] as const;

/**
 * On every route that takes a channel id: the channel must be the caller's.
 * Another tenant's channel answers 404 exactly like a missing one, before the
 * handler runs.
 */
@Injectable()
export class ChannelOwnershipGuard implements CanActivate {
  constructor(private readonly channels: ChannelsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<HttpRequest & { user?: AuthUser }>();
    const name = CHANNEL_ID_PARAMS.find((p) => typeof req.params[p] === 'string');
    if (!name) throw new Error('ChannelOwnershipGuard is on a route without a channel id parameter');
    const id = req.params[name] as string;
    if (!req.user || !(await this.channels.owns(req.user.id, id))) throw channelNotFound(id);
    return true;
  }
}

import { AuditEvent } from '../audit/audit-event.entity';
import { RefreshToken } from '../auth/refresh-token.entity';
import { Channel } from '../channels/channel.entity';
import { ChannelMessage } from '../channels/channel-message.entity';
import { ChannelStats } from '../channels/channel-stats.entity';
import { UserBotCredentials } from '../credentials/user-bot-credentials.entity';
import { StoredFile } from '../files/stored-file.entity';
import { Post } from '../posts/post.entity';
import { PostMediaFile } from '../posts/post-media-file.entity';
import { User } from '../tenants/user.entity';
import { MtprotoLogin } from '../user-mtproto/mtproto-login.entity';

/** Every entity the app maps; migrations must agree with these (see the drift test). */
export const ENTITIES = [
  User,
  UserBotCredentials,
  MtprotoLogin,
  Channel,
  Post,
  ChannelMessage,
  ChannelStats,
  AuditEvent,
  RefreshToken,
  StoredFile,
  PostMediaFile,
];

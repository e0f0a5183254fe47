import { AuditEvent } from './modules/audit/audit-event.entity';
import { RefreshToken } from './modules/auth/refresh-token.entity';
import { Channel } from './modules/channels/channel.entity';
import { UserBotCredentials } from './modules/credentials/user-bot-credentials.entity';
import { StoredFile } from './modules/files/stored-file.entity';
import { Post } from './modules/posts/post.entity';
import { PostMediaFile } from './modules/posts/post-media-file.entity';
import { User } from './modules/tenants/user.entity';
import { MtprotoLogin } from './modules/user-mtproto/mtproto-login.entity';

/** Every entity the app maps; migrations must agree with these (see the drift test). */
export const ENTITIES = [
  User,
  UserBotCredentials,
  MtprotoLogin,
  Channel,
  Post,
  AuditEvent,
  RefreshToken,
  StoredFile,
  PostMediaFile,
];

import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { Channel } from '../channels/channel.entity';
import { User } from '../tenants/user.entity';

export enum PostStatus {
  Scheduled = 'scheduled',
  Sending = 'sending',
  Sent = 'sent',
  Failed = 'failed',
  Cancelled = 'cancelled',
}

export interface PostMedia {
  kind: 'photo' | 'document';
  file_id?: string;
  file_name?: string;
  mime_type?: string;
  size?: number;
  /** Where an uploaded file waits until it is sent (never a secret). */
  staged_path?: string;
}

/**
 * The outbox row of a post. A post with a telegram_message_id has been sent and
 * is never sent again, however many times its job runs.
 */
@Entity('posts')
@Unique('UQ_posts_user_idempotency_key', ['userId', 'idempotencyKey'])
@Check('CHK_posts_status', `"status" IN ('scheduled', 'sending', 'sent', 'failed', 'cancelled')`)
@Index('IDX_posts_channel_created', ['channelId', 'createdAt'])
// The outbox proper: what the senders look through stays small however many posts have gone out.
@Index('IDX_posts_outbox', ['userId', 'channelId', 'createdAt'], {
  where: `"status" IN ('scheduled', 'sending') AND "telegram_message_id" IS NULL`,
})
export class Post {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_posts_user' })
  user?: User;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => Channel, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id', foreignKeyConstraintName: 'FK_posts_channel' })
  channel?: Channel;

  @Column({ type: 'text', nullable: true })
  text!: string | null;

  @Column({ name: 'parse_mode', type: 'varchar', length: 16, nullable: true })
  parseMode!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  media!: PostMedia | null;

  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true })
  scheduledAt!: Date | null;

  @Column({ type: 'varchar', length: 16, default: PostStatus.Scheduled })
  status!: PostStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'telegram_message_id', type: 'bigint', nullable: true })
  telegramMessageId!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 128, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

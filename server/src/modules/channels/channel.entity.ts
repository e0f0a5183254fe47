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
import { User } from '../tenants/user.entity';

export enum ChannelType {
  Channel = 'channel',
  Supergroup = 'supergroup',
  Group = 'group',
}

/** A channel a tenant owns. `telegram_id` is the Bot API form (-100...). */
@Entity('channels')
@Unique('UQ_channels_user_telegram_id', ['userId', 'telegramId'])
@Check('CHK_channels_type', `"type" IN ('channel', 'supergroup', 'group')`)
@Check('CHK_channels_identity', `"telegram_id" IS NOT NULL OR "username" IS NOT NULL`)
@Index('IDX_channels_user_created', ['userId', 'createdAt'])
export class Channel {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_channels_user' })
  user?: User;

  @Column({ name: 'telegram_id', type: 'bigint', nullable: true })
  telegramId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  username!: string | null;

  @Column({ type: 'varchar', length: 255, default: '' })
  title!: string;

  @Column({ type: 'varchar', length: 16, default: ChannelType.Channel })
  type!: ChannelType;

  @Column({ name: 'bot_is_admin', type: 'boolean', default: false })
  botIsAdmin!: boolean;

  @Column({ name: 'bot_can_post', type: 'boolean', default: false })
  botCanPost!: boolean;

  @Column({ name: 'admin_checked_at', type: 'timestamptz', nullable: true })
  adminCheckedAt!: Date | null;

  /** The tenant's user account's access hash for this channel (MTProto), cached after the first lookup. */
  @Column({ name: 'access_hash', type: 'bigint', nullable: true })
  accessHash!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

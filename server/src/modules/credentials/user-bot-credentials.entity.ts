import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  OneToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { User } from '../tenants/user.entity';

export enum CredentialsStatus {
  Pending = 'pending',
  Active = 'active',
  Suspended = 'suspended',
}

/**
 * A tenant's Telegram credentials, one row per tenant. Columns marked
 * "encrypted" hold `v1:<key_id>:<base64>` envelopes bound to the tenant and
 * column; only CredentialsModule reads or writes them.
 */
@Entity('user_bot_credentials')
@Check('CHK_user_bot_credentials_status', `"status" IN ('pending', 'active', 'suspended')`)
@Check('CHK_user_bot_credentials_rps', `"rate_limit_rps" BETWEEN 1 AND 1000`)
@Check('CHK_user_bot_credentials_concurrency', `"max_concurrent_requests" BETWEEN 1 AND 100`)
export class UserBotCredentials {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'user_id',
    foreignKeyConstraintName: 'FK_user_bot_credentials_user',
    referencedColumnName: 'id',
  })
  user?: User;

  /** encrypted */
  @Column({ name: 'bot_token', type: 'text', nullable: true })
  botToken!: string | null;

  @Column({ name: 'bot_username', type: 'varchar', length: 64, nullable: true })
  botUsername!: string | null;

  @Index('UQ_user_bot_credentials_bot_id', { unique: true })
  @Column({ name: 'bot_id', type: 'bigint', nullable: true })
  botId!: string | null;

  @Column({ name: 'telegram_api_id', type: 'integer', nullable: true })
  telegramApiId!: number | null;

  /** encrypted */
  @Column({ name: 'telegram_api_hash', type: 'text', nullable: true })
  telegramApiHash!: string | null;

  /** encrypted */
  @Column({ name: 'telegram_phone', type: 'text', nullable: true })
  telegramPhone!: string | null;

  /** encrypted */
  @Column({ name: 'session_string', type: 'text', nullable: true })
  sessionString!: string | null;

  @Column({ type: 'varchar', length: 16, default: CredentialsStatus.Pending })
  status!: CredentialsStatus;

  @Column({ name: 'is_bot_verified', type: 'boolean', default: false })
  isBotVerified!: boolean;

  @Column({ name: 'is_mtproto_verified', type: 'boolean', default: false })
  isMtprotoVerified!: boolean;

  @Column({ name: 'rate_limit_rps', type: 'integer', default: 10 })
  rateLimitRps!: number;

  @Column({ name: 'max_concurrent_requests', type: 'integer', default: 5 })
  maxConcurrentRequests!: number;

  /** encrypted */
  @Column({ name: 'webhook_secret', type: 'text', nullable: true })
  webhookSecret!: string | null;

  @Column({ name: 'mtproto_last_used_at', type: 'timestamptz', nullable: true })
  mtprotoLastUsedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { User } from '../tenants/user.entity';

export enum MtprotoLoginFlow {
  Code = 'code',
  Qr = 'qr',
}

export enum MtprotoLoginState {
  CodeSent = 'code_sent',
  QrPending = 'qr_pending',
  PasswordNeeded = 'password_needed',
  Done = 'done',
  Expired = 'expired',
  Failed = 'failed',
}

/**
 * A login in progress. The pending session is the auth key that asked for the
 * code: Telegram accepts the code only from that key, so verify resumes it on
 * whichever pod serves the request.
 */
@Entity('mtproto_logins')
@Check('CHK_mtproto_logins_flow', `"flow" IN ('code', 'qr')`)
@Check(
  'CHK_mtproto_logins_state',
  `"state" IN ('code_sent', 'qr_pending', 'password_needed', 'done', 'expired', 'failed')`,
)
@Index('IDX_mtproto_logins_expires_at', ['expiresAt'])
export class MtprotoLogin {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('IDX_mtproto_logins_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_mtproto_logins_user' })
  user?: User;

  @Column({ type: 'varchar', length: 8 })
  flow!: MtprotoLoginFlow;

  /** encrypted */
  @Column({ type: 'text', nullable: true })
  phone!: string | null;

  @Index('IDX_mtproto_logins_phone_code_hash')
  @Column({ name: 'phone_code_hash', type: 'varchar', length: 128, nullable: true })
  phoneCodeHash!: string | null;

  /** encrypted */
  @Column({ name: 'pending_session', type: 'text' })
  pendingSession!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: MtprotoLoginState;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

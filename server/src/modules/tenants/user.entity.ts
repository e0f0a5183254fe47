import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum UserRole {
  Tenant = 'tenant',
  Support = 'support',
  Admin = 'admin',
}

export enum UserStatus {
  Active = 'active',
  Suspended = 'suspended',
}

/** Tenants and staff. Emails are stored lower-cased so uniqueness is case-insensitive. */
@Entity('users')
@Check('CHK_users_role', `"role" IN ('tenant', 'support', 'admin')`)
@Check('CHK_users_status', `"status" IN ('active', 'suspended')`)
@Check('CHK_users_identity', `"email" IS NOT NULL OR "telegram_user_id" IS NOT NULL`)
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('UQ_users_email', { unique: true })
  @Column({ type: 'varchar', length: 320, nullable: true })
  email!: string | null;

  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash!: string | null;

  @Index('UQ_users_telegram_user_id', { unique: true })
  @Column({ name: 'telegram_user_id', type: 'bigint', nullable: true })
  telegramUserId!: string | null;

  @Column({ type: 'varchar', length: 16, default: UserRole.Tenant })
  role!: UserRole;

  @Column({ type: 'varchar', length: 16, default: UserStatus.Active })
  status!: UserStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

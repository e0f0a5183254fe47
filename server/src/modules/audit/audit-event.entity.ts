import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only (a trigger refuses UPDATE and DELETE). `meta` never holds a secret. */
@Entity('audit_events')
@Index('IDX_audit_events_tenant_at', ['tenantId', 'at'])
@Index('IDX_audit_events_action_at', ['action', 'at'])
@Index('IDX_audit_events_at', ['at'])
export class AuditEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_role', type: 'varchar', length: 16, nullable: true })
  actorRole!: string | null;

  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  target!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  // Written without the ::jsonb cast: TypeORM strips casts when it reads defaults back.
  @Column({ type: 'jsonb', default: () => `'{}'` })
  meta!: Record<string, unknown>;
}

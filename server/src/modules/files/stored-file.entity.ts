import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Channel } from '../channels/channel.entity';
import { User } from '../tenants/user.entity';

/**
 * A file kept in one of the tenant's channels (channel-backed storage): the
 * bytes live at Telegram, this row remembers where to fetch them.
 */
@Entity('files')
@Index('IDX_files_user_created', ['userId', 'createdAt'])
@Index('IDX_files_channel_id', ['channelId'])
export class StoredFile {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_files_user' })
  user?: User;

  @Column({ name: 'channel_id', type: 'uuid', nullable: true })
  channelId!: string | null;

  @ManyToOne(() => Channel, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'channel_id', foreignKeyConstraintName: 'FK_files_channel' })
  channel?: Channel;

  @Column({ name: 'telegram_file_id', type: 'text' })
  telegramFileId!: string;

  @Column({ name: 'telegram_file_unique_id', type: 'varchar', length: 128, nullable: true })
  telegramFileUniqueId!: string | null;

  @Column({ name: 'telegram_message_id', type: 'bigint', nullable: true })
  telegramMessageId!: string | null;

  @Column({ name: 'file_name', type: 'varchar', length: 255 })
  fileName!: string;

  @Column({ type: 'bigint' })
  size!: string;

  @Column({ name: 'mime_type', type: 'varchar', length: 255 })
  mimeType!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

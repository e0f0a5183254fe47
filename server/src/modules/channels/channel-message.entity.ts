import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Channel } from './channel.entity';

/** A message read from a channel's history (through the tenant's user session). */
@Entity('channel_messages')
@Unique('UQ_channel_messages_channel_message', ['channelId', 'telegramMessageId'])
@Index('IDX_channel_messages_user_id', ['userId'])
@Index('IDX_channel_messages_channel_date', ['channelId', 'date'])
export class ChannelMessage {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => Channel, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id', foreignKeyConstraintName: 'FK_channel_messages_channel' })
  channel?: Channel;

  @Column({ name: 'telegram_message_id', type: 'integer' })
  telegramMessageId!: number;

  @Column({ type: 'timestamptz' })
  date!: Date;

  @Column({ type: 'text', default: '' })
  text!: string;

  @Column({ type: 'integer', nullable: true })
  views!: number | null;

  @Column({ type: 'integer', nullable: true })
  forwards!: number | null;

  @Column({ type: 'integer', nullable: true })
  replies!: number | null;

  @Column({ name: 'edit_date', type: 'timestamptz', nullable: true })
  editDate!: Date | null;

  @Column({ name: 'fetched_at', type: 'timestamptz', default: () => 'now()' })
  fetchedAt!: Date;
}

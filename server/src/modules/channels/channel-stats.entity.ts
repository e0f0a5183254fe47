import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Channel } from './channel.entity';

/** A point-in-time snapshot of a channel's numbers, for analytics over time. */
@Entity('channel_stats')
@Index('IDX_channel_stats_channel_captured', ['channelId', 'capturedAt'])
@Index('IDX_channel_stats_user_id', ['userId'])
export class ChannelStats {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => Channel, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id', foreignKeyConstraintName: 'FK_channel_stats_channel' })
  channel?: Channel;

  @Column({ name: 'captured_at', type: 'timestamptz', default: () => 'now()' })
  capturedAt!: Date;

  @Column({ name: 'members_count', type: 'integer', nullable: true })
  membersCount!: number | null;

  @Column({ name: 'messages_count', type: 'integer', nullable: true })
  messagesCount!: number | null;

  @Column({ name: 'views_total', type: 'bigint', nullable: true })
  viewsTotal!: string | null;

  @Column({ name: 'views_avg', type: 'double precision', nullable: true })
  viewsAvg!: number | null;
}

import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../tenants/user.entity';
import { Post } from './post.entity';

/**
 * The bytes of a post's uploaded photo or document while the post waits to be
 * sent. In Postgres because they must survive restarts and be reachable from
 * every api and worker pod, and Redis runs `noeviction`: staged files there
 * would fill it. Deleted once the post is sent, cancelled or failed for good
 * (Telegram then holds the file and the post keeps its file_id).
 */
@Entity('post_media')
@Index('IDX_post_media_user', ['userId'])
export class PostMediaFile {
  @PrimaryColumn({ name: 'post_id', type: 'uuid', primaryKeyConstraintName: 'PK_post_media' })
  postId!: string;

  @ManyToOne(() => Post, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'post_id', foreignKeyConstraintName: 'FK_post_media_post' })
  post?: Post;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_post_media_user' })
  user?: User;

  @Column({ type: 'bytea' })
  bytes!: Buffer;

  @Column({ type: 'integer' })
  size!: number;

  @Column({ name: 'file_name', type: 'varchar', length: 255 })
  fileName!: string;

  @Column({ name: 'mime_type', type: 'varchar', length: 255 })
  mimeType!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

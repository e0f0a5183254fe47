import { MigrationInterface, QueryRunner } from 'typeorm';

export class ChannelAccessHash1795290958230 implements MigrationInterface {
  name = 'ChannelAccessHash1795290958230';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" ADD "access_hash" bigint`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "access_hash"`);
  }
}

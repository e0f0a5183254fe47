import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import { User, UserRole, UserStatus } from './user.entity';
import { assertAcceptablePassword, hashPassword } from './password';
import { TenantsError, TenantsErrorCode } from './tenants.errors';

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

const isUniqueViolation = (err: unknown): boolean =>
  err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505';

/**
 * The users table (tenants and staff). It carries no tenant-owned secrets and
 * has no row-level security: login must find a user before knowing who it is.
 */
@Injectable()
export class UsersService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  private get repo() {
    return this.ds.getRepository(User);
  }

  findById(id: string): Promise<User | null> {
    return this.repo.findOneBy({ id });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.repo.findOneBy({ email: normaliseEmail(email) });
  }

  async createWithPassword(email: string, password: string, role: UserRole): Promise<User> {
    const normalised = normaliseEmail(email);
    assertAcceptablePassword(password, normalised);
    const passwordHash = await hashPassword(password);
    try {
      return await this.repo.save(this.repo.create({ email: normalised, passwordHash, role }));
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new TenantsError(
          TenantsErrorCode.EmailTaken,
          'An account with this email already exists; log in instead.',
        );
      }
      throw err;
    }
  }

  /** The tenant of a Telegram account, created on first sight (two racing first logins agree). */
  async findOrCreateByTelegramId(telegramUserId: string): Promise<{ user: User; created: boolean }> {
    const existing = await this.repo.findOneBy({ telegramUserId });
    if (existing) return { user: existing, created: false };
    const inserted = await this.repo
      .createQueryBuilder()
      .insert()
      .values({ telegramUserId, role: UserRole.Tenant })
      .orIgnore()
      .returning('id')
      .execute();
    const user = await this.repo.findOneByOrFail({ telegramUserId });
    return { user, created: (inserted.raw as unknown[]).length > 0 };
  }

  async setStatus(id: string, status: UserStatus): Promise<void> {
    await this.repo.update({ id }, { status });
  }

  async adminExists(): Promise<boolean> {
    return this.repo.existsBy({ role: UserRole.Admin });
  }
}

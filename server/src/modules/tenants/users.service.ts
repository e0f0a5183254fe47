import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { User, UserRole, UserStatus } from './user.entity';
import { assertAcceptablePassword, hashPassword } from './password';
import { TenantsError, TenantsErrorCode } from './tenants.errors';
import { UserForAuth, UsersRepository } from './users.repository';

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

const isUniqueViolation = (err: unknown): boolean =>
  err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505';

/**
 * Tenants and staff accounts: the rules for creating them (password, unique
 * email, first Telegram login) and the lookups other modules need. The rows
 * themselves are read and written by UsersRepository only.
 */
@Injectable()
export class UsersService {
  constructor(private readonly repo: UsersRepository) {}

  findById(id: string): Promise<User | null> {
    return this.repo.findById(id);
  }

  /** The fields an access token's check reads (AuthUser and the status), on every authenticated request. */
  findForAuth(id: string): Promise<UserForAuth | null> {
    return this.repo.findForAuth(id);
  }

  findByEmail(email: string): Promise<User | null> {
    return this.repo.findByEmail(normaliseEmail(email));
  }

  /** The tenant linked to a Telegram account, if any (staff accounts are not tenants). */
  findTenantIdByTelegramUserId(telegramUserId: string): Promise<string | null> {
    return this.repo.findTenantIdByTelegramUserId(telegramUserId);
  }

  /** The Telegram account linked to a user, if any. */
  findTelegramUserId(id: string): Promise<string | null> {
    return this.repo.findTelegramUserId(id);
  }

  async createWithPassword(email: string, password: string, role: UserRole): Promise<User> {
    const normalised = normaliseEmail(email);
    assertAcceptablePassword(password, normalised);
    const passwordHash = await hashPassword(password);
    try {
      return await this.repo.insertWithPassword(normalised, passwordHash, role);
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
    const existing = await this.repo.findByTelegramUserId(telegramUserId);
    if (existing) return { user: existing, created: false };
    return this.repo.insertTelegramTenantIfAbsent(telegramUserId);
  }

  async setStatus(id: string, status: UserStatus): Promise<void> {
    await this.repo.setStatus(id, status);
  }

  adminExists(): Promise<boolean> {
    return this.repo.adminExists();
  }
}

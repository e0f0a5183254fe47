import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { testConfig } from '../../../test/helpers/test-app';
import type { UsersService } from '../tenants/users.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { RolesGuard } from './roles.guard';

const contextOf = (type: string): ExecutionContext =>
  ({
    getType: () => type,
    getHandler: () => () => undefined,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => ({ headers: {} }), getResponse: () => ({}) }),
  }) as unknown as ExecutionContext;

const users = {
  findById: () => Promise.reject(new Error('no token means no user lookup')),
} as unknown as UsersService;
const strategy = new JwtStrategy(testConfig(), users);
const jwtGuard = () => new JwtAuthGuard(new Reflector(), { defaultStrategy: strategy.name });

describe('global guards', () => {
  it('leave non-HTTP handlers (bot updates) to their own authentication', async () => {
    expect(await jwtGuard().canActivate(contextOf('telegraf'))).toBe(true);
    expect(new RolesGuard(new Reflector()).canActivate(contextOf('telegraf'))).toBe(true);
  });

  it('refuse an HTTP request without a bearer token before any lookup', async () => {
    await expect(jwtGuard().canActivate(contextOf('http'))).rejects.toThrow(/needs an access token/);
  });

  it('refuse an HTTP request without a caller', () => {
    expect(() => new RolesGuard(new Reflector()).canActivate(contextOf('http'))).toThrow(/access token/);
  });
});

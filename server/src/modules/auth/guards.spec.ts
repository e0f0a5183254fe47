import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { testConfig } from '../../../test/helpers/test-app';
import type { UsersService } from '../tenants/users.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { RolesGuard } from './roles.guard';

const contextOf = (type: string): ExecutionContext =>
  ({
    getType: () => type,
    getHandler: () => () => undefined,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => ({ headers: {} }) }),
  }) as unknown as ExecutionContext;

const users = {
  findById: () => Promise.reject(new Error('no token means no user lookup')),
} as unknown as UsersService;
const jwtGuard = () => new JwtAuthGuard(new Reflector(), new JwtService(), users, testConfig());

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

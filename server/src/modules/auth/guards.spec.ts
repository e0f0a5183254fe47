import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtAuthGuard } from './jwt-auth.guard';
import { RolesGuard } from './roles.guard';

const contextOf = (type: string): ExecutionContext =>
  ({
    getType: () => type,
    getHandler: () => () => undefined,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => ({ headers: {} }) }),
  }) as unknown as ExecutionContext;

describe('global guards', () => {
  it('leave non-HTTP handlers (bot updates) to their own authentication', async () => {
    expect(await new JwtAuthGuard(new Reflector()).canActivate(contextOf('telegraf'))).toBe(true);
    expect(new RolesGuard(new Reflector()).canActivate(contextOf('telegraf'))).toBe(true);
  });

  it('refuse an HTTP request without a caller', () => {
    expect(() => new RolesGuard(new Reflector()).canActivate(contextOf('http'))).toThrow(/access token/);
  });
});

import {
  ADMIN_DB_ROLE,
  AdminRoleFacts,
  APP_DB_ROLE,
  chooseAdminRole,
  chooseRuntimeRole,
  RoleFacts,
} from './runtime-role';

const quiet = { warn: jest.fn() };

const superuser: RoleFacts = {
  login_user: 'postgres',
  login_super: true,
  login_bypass: true,
  app_exists: true,
  app_super: false,
  app_bypass: false,
  can_become_app: true,
  app_owns_tables: false,
  login_owns_tables: true,
  app_can_become_admin: false,
};

const adminFacts: AdminRoleFacts = {
  login_user: 'tenantgram_console',
  login_super: false,
  login_bypass: false,
  admin_exists: true,
  admin_super: false,
  admin_bypass: true,
  can_become_admin: true,
};

describe('the app pool role choice', () => {
  it('switches to the restricted role when it is sound', () => {
    expect(chooseRuntimeRole(superuser, true, quiet)).toEqual({ options: `-c role=${APP_DB_ROLE}` });
  });

  it('refuses an app role that could SET ROLE to the admin role', () => {
    const facts = { ...superuser, app_can_become_admin: true };
    expect(() => chooseRuntimeRole(facts, false, quiet)).toThrow(/not be a member of tenantgram_admin/);
    expect(() => chooseRuntimeRole({ ...facts, login_user: APP_DB_ROLE }, true, quiet)).toThrow(/member/);
  });

  it('refuses an app role with BYPASSRLS, in production and out of it', () => {
    expect(() => chooseRuntimeRole({ ...superuser, app_bypass: true }, true, quiet)).toThrow(/no BYPASSRLS/);
    expect(() => chooseRuntimeRole({ ...superuser, app_bypass: true }, false, quiet)).toThrow(/no BYPASSRLS/);
  });
});

describe('the admin pool role choice', () => {
  it('starts connections as the admin role for a member of it', () => {
    expect(chooseAdminRole(adminFacts, true, quiet)).toEqual({ options: `-c role=${ADMIN_DB_ROLE}` });
  });

  it('uses a login that is the admin role as it is', () => {
    expect(chooseAdminRole({ ...adminFacts, login_user: ADMIN_DB_ROLE }, true, quiet)).toEqual({});
  });

  it('refuses an admin role without BYPASSRLS, or one that is a superuser', () => {
    expect(() => chooseAdminRole({ ...adminFacts, admin_bypass: false }, true, quiet)).toThrow(/must have BYPASSRLS/);
    expect(() => chooseAdminRole({ ...adminFacts, admin_super: true }, false, quiet)).toThrow(/no SUPERUSER/);
  });

  it('refuses in production a login that cannot become the admin role, and warns in development', () => {
    const outsider = { ...adminFacts, can_become_admin: false };
    expect(() => chooseAdminRole(outsider, true, quiet)).toThrow(/GRANT tenantgram_admin TO tenantgram_console/);
    const warn = jest.fn();
    expect(chooseAdminRole(outsider, false, { warn })).toEqual({});
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('will see no tenant'));
  });
});

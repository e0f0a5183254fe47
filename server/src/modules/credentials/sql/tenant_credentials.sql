-- A one-round-trip read of a tenant's credentials (TenantDb.readScoped): it scopes its transaction
-- to the tenant (transaction-local app.user_id, as TenantDb.run does) and then selects. It runs as its
-- caller (SECURITY INVOKER), so row-level security still decides what it sees.
CREATE OR REPLACE FUNCTION public.tenant_credentials(p_tenant uuid)
 RETURNS SETOF user_bot_credentials
 LANGUAGE plpgsql
AS $function$ BEGIN PERFORM set_config('app.user_id', p_tenant::text, true); RETURN QUERY SELECT * FROM "user_bot_credentials" WHERE "user_id" = p_tenant; END $function$

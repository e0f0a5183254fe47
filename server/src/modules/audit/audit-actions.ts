/** Every action the audit trail records. Kept in one place so the console can filter by them. */
export enum AuditAction {
  Registered = 'auth.registered',
  LoginSucceeded = 'auth.login_succeeded',
  LoginFailed = 'auth.login_failed',
  TelegramLogin = 'auth.telegram_webapp_login',
  RefreshReuse = 'auth.refresh_reuse_detected',
  Logout = 'auth.logout',
  CredentialsChanged = 'credentials.changed',
  LimitsChanged = 'tenant.limits_changed',
  TenantSuspended = 'tenant.suspended',
  TenantReactivated = 'tenant.reactivated',
  AdminDataAccess = 'admin.data_access',
  StaffCreated = 'admin.staff_created',
  MtprotoForceDisconnected = 'admin.mtproto_force_disconnected',
  QueueJobRetried = 'admin.queue_job_retried',
  KeysRewrapped = 'keys.rewrapped',
  MtprotoLoginStarted = 'mtproto.login_started',
  MtprotoConnected = 'mtproto.connected',
  MtprotoDisconnected = 'mtproto.disconnected',
  MtprotoRemoved = 'mtproto.removed',
  MtprotoSessionRevoked = 'mtproto.session_revoked',
  MtprotoMessageSent = 'mtproto.message_sent',
  MtprotoDialogsRead = 'mtproto.dialogs_read',
  MtprotoContactsRead = 'mtproto.contacts_read',
  MtprotoContactsImported = 'mtproto.contacts_imported',
  MtprotoChannelCreated = 'mtproto.channel_created',
  MtprotoChannelJoined = 'mtproto.channel_joined',
  MtprotoChannelLeft = 'mtproto.channel_left',
  WebhookEndpointCreated = 'webhook_endpoint.created',
  WebhookEndpointChanged = 'webhook_endpoint.changed',
  WebhookEndpointDeleted = 'webhook_endpoint.deleted',
  WebhookSecretRotated = 'webhook_endpoint.secret_rotated',
  WebhookReplayed = 'webhook_endpoint.replayed',
  WebhookEndpointDisabled = 'webhook_endpoint.disabled',
}

/** Who did it: a user (tenant or staff) or a named system process. */
export interface AuditActor {
  id: string | null;
  /** The user's role (`UserRole` in tenants/, spelled out here so the audit log depends on nobody). */
  role: 'tenant' | 'support' | 'admin' | 'system';
  ip?: string | null;
}

export const systemActor = (): AuditActor => ({ id: null, role: 'system' });

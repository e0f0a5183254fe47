/** Another worker holds the tenant's session; the request belongs there. */
export class NotOwnerError extends Error {
  constructor(readonly ownerId: string | null) {
    super(ownerId ? `session owned by ${ownerId}` : 'session lease is taken');
    this.name = 'NotOwnerError';
  }
}

/** Access tokens: HS256 only, issued by and for this API. */
export const JWT_ALGORITHM = 'HS256' as const;
export const JWT_ISSUER = 'tenantgram';
export const JWT_AUDIENCE = 'tenantgram-api';
/** How far ahead of ours another clock may be for `nbf` and `iat`. */
export const JWT_CLOCK_SKEW_SECONDS = 30;

export interface AccessTokenPayload {
  sub: string;
  role: string;
}

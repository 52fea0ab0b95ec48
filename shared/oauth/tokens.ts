/** A tenant's OAuth tokens with their expiry instants (epoch milliseconds). */
export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly accessTokenExpiresAt: number;
  /** Rolling expiry: moves forward on every refresh. */
  readonly refreshTokenExpiresAt: number;
  /** Hard expiry that no refresh extends, when Intuit told us. */
  readonly refreshTokenHardExpiresAt: number | null;
}

/** The expiry fields of a {@link TokenSet}, which are stored in the clear beside the blob. */
export type TokenExpiries = Omit<TokenSet, 'accessToken' | 'refreshToken'>;

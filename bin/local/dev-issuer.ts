import { type CryptoKey, generateKeyPair, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { scopeNames } from '#shared/http/scopes.ts';

/** Who a development token is for: by default the local admin, with both scopes. */
export interface MintOptions {
  /** The token's `sub`. @default `local-admin` */
  readonly subject?: string;
  /** The token's scopes. @default the admin and the push scope */
  readonly scopes?: readonly string[];
  /** Lifetime; a negative value makes an already expired token (for tests). @default 3600 */
  readonly ttlSeconds?: number;
}

/** Audience of the tokens the local development issuer signs. */
export const LOCAL_AUDIENCE = 'tradelyhq-quickbooks-local';

/**
 * A development identity provider for local mode only: it signs RS256 tokens that name a tenant,
 * and verifies them the way API Gateway's JWT authorizer does (signature, issuer, audience,
 * expiry), so curl, the console and the tests can call tenant routes without a real IdP.
 * Its key pair lives in memory: tokens die with the process.
 */
export class DevIssuer {
  private constructor(
    /** The `iss` of its tokens. */
    readonly issuer: string,
    private readonly tenantClaim: string,
    private readonly keys: { privateKey: CryptoKey; publicKey: CryptoKey },
  ) {}

  /**
   * @param issuer - the `iss` its tokens carry and that verification requires
   * @param tenantClaim - the claim that carries the tenant id
   */
  static async create(issuer: string, tenantClaim: string): Promise<DevIssuer> {
    return new DevIssuer(issuer, tenantClaim, await generateKeyPair('RS256'));
  }

  /**
   * Signs a token for a user of a tenant.
   *
   * @param tenantId - the tenant the token is for
   * @param options - see {@link MintOptions}
   */
  mint(tenantId: string, options: MintOptions = {}): Promise<string> {
    const names = scopeNames();
    const scopes = options.scopes ?? [names.admin, names.push];
    return this.sign(
      {
        [this.tenantClaim]: tenantId,
        sub: options.subject ?? 'local-admin',
        scope: scopes.join(' '),
      },
      options.ttlSeconds,
    );
  }

  /**
   * Signs any claims with this issuer's key, issuer and audience (tests use it for tokens that
   * verify but lack the tenant claim).
   *
   * @param claims - the claims besides `iss`, `aud`, `iat` and `exp`
   * @param ttlSeconds - lifetime; a negative value makes an already expired token
   * @param audience - the `aud` claim (tests pass another to get a token meant for another API)
   */
  async sign(claims: JWTPayload, ttlSeconds = 3600, audience = LOCAL_AUDIENCE): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'local-dev' })
      .setIssuer(this.issuer)
      .setAudience(audience)
      .setIssuedAt(Math.min(now, now + ttlSeconds))
      .setExpirationTime(now + ttlSeconds)
      .sign(this.keys.privateKey);
  }

  /**
   * Verifies a bearer token as API Gateway's JWT authorizer would.
   *
   * @param token - the compact JWT
   * @returns its claims
   * @throws when the signature, issuer, audience, algorithm or expiry is wrong
   */
  async verify(token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, this.keys.publicKey, {
      issuer: this.issuer,
      audience: LOCAL_AUDIENCE,
      algorithms: ['RS256'],
      requiredClaims: ['exp'],
    });
    return payload;
  }
}

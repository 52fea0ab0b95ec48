import { describe, expect, it } from 'vitest';
import { type Connection, isTimeZone, toConnectionView } from '#shared/domain/connection.ts';

const DAY = 24 * 3600_000;
const now = Date.parse('2028-10-01T12:00:00Z');

function connection(overrides: Partial<Connection> = {}): Connection {
  return {
    tenantId: 'acme',
    status: 'connected',
    realmId: '123',
    companyName: 'Acme',
    connectedAt: '2023-10-20T00:00:00.000Z',
    refreshTokenExpiresAt: new Date(now + 100 * DAY).toISOString(),
    refreshTokenHardExpiresAt: new Date(now + 90 * DAY).toISOString(),
    timezone: 'America/Chicago',
    incomeAccountId: null,
    reconnectReason: null,
    lastReconcile: null,
    ...overrides,
  };
}

describe('Function: toConnectionView', () => {
  it('shows no warning while the hard expiry is more than 30 days away', () => {
    expect(toConnectionView(connection(), now).warning).toBeNull();
  });

  it('warns, with the days left and the date, within 30 days of the hard expiry', () => {
    const hard = new Date(now + 12.5 * DAY).toISOString();
    const view = toConnectionView(connection({ refreshTokenHardExpiresAt: hard }), now);
    expect(view.warning).toContain('within 12 days');
    expect(view.warning).toContain(hard.slice(0, 10));
  });

  it('shows the reconnect reason only while a reconnect is required', () => {
    const reason = 'QuickBooks refused the connection.';
    expect(
      toConnectionView(connection({ reconnectReason: reason }), now).reconnectReason,
    ).toBeNull();
    const broken = connection({ status: 'reconnect_required', reconnectReason: reason });
    expect(toConnectionView(broken, now).reconnectReason).toBe(reason);
  });

  it('shows a tenant with no record as disconnected with every field empty', () => {
    expect(toConnectionView(undefined, now)).toMatchObject({
      status: 'disconnected',
      realmId: null,
      warning: null,
    });
  });
});

describe('Function: isTimeZone', () => {
  it.each(['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'UTC'])(
    'accepts %s',
    (z) => {
      expect(isTimeZone(z)).toBe(true);
    },
  );

  it.each(['Mars/Olympus_Mons', 'EST5EDT-ish', '', '../etc/passwd'])('rejects %s', (z) => {
    expect(isTimeZone(z)).toBe(false);
  });
});

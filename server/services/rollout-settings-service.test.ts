/**
 * The PI's allowed hosts (Rollout settings): canonical storage, refusals naming the entry, audit.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog } from '@/server/db/schema';
import {
  getAllowedHosts,
  MAX_ALLOWED_HOSTS,
  updateAllowedHosts,
} from '@/server/services/rollout-settings-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

let world: TestWorld;
beforeEach(() => {
  world = createTestWorld();
});
afterEach(async () => world.cleanup());

const actor = { userId: null, label: 'test' };

describe('allowed hosts', () => {
  it('are stored canonical, deduplicated and sorted, and audited', () => {
    expect(getAllowedHosts(world.db)).toEqual([]);
    const saved = updateAllowedHosts(
      world.db,
      [
        'https://WWW.Allrecipes.com:443/',
        ' https://www.allrecipes.com ',
        'https://*.Example.com',
        'http://127.1:8080',
      ],
      actor,
    );
    expect(saved).toEqual(['http://127.0.0.1:8080', 'https://*.example.com', 'https://www.allrecipes.com']);
    expect(getAllowedHosts(world.db)).toEqual(saved);
    const audit = world.db.select().from(auditLog).where(eq(auditLog.objectId, 'allowedHosts')).all();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'settings.update', after: saved });
  });

  it('refuse an entry that is not an http(s) origin, naming it, and keep the stored list', () => {
    updateAllowedHosts(world.db, ['https://shop.example'], actor);
    for (const [entry, message] of [
      ['file:///etc/passwd', /allowedHosts\.1: "file:\/\/\/etc\/passwd": give an http\(s\) origin/],
      ['https://shop.example/admin', /allowedHosts\.1: .*no path, query or fragment/],
      ['https://*.com', /allowedHosts\.1: .*at least two labels/],
      ['shop.example', /allowedHosts\.1: .*give an http\(s\) origin/],
    ] as const) {
      expect(() => updateAllowedHosts(world.db, ['https://ok.example', entry], actor), entry).toThrow(
        message,
      );
    }
    const tooMany = Array.from({ length: MAX_ALLOWED_HOSTS + 1 }, (_, i) => `https://h${i}.example`);
    expect(() => updateAllowedHosts(world.db, tooMany, actor)).toThrow(/allowedHosts/);
    expect(getAllowedHosts(world.db)).toEqual(['https://shop.example']);
  });
});

import { describe, expect, it } from 'vitest';
import {
  isHttpUrl,
  normalizePlaceholder,
  siteUrlRowsFrom,
  validateSiteUrlRows,
  type SiteUrlRow,
} from '@/components/settings/site-url-rows';

function row(id: string, placeholder: string, url: string): SiteUrlRow {
  return { id, placeholder, url };
}

describe('siteUrlRowsFrom', () => {
  it('lists the stored URLs sorted by placeholder', () => {
    expect(siteUrlRowsFrom({ SHOPPING: 'http://localhost:7770', GITLAB: 'http://localhost:8023' })).toEqual([
      { id: 'saved-GITLAB', placeholder: 'GITLAB', url: 'http://localhost:8023' },
      { id: 'saved-SHOPPING', placeholder: 'SHOPPING', url: 'http://localhost:7770' },
    ]);
    expect(siteUrlRowsFrom({})).toEqual([]);
  });
});

describe('normalizePlaceholder', () => {
  it('accepts the placeholder as written in a start URL', () => {
    expect(normalizePlaceholder(' __SHOPPING__ ')).toBe('SHOPPING');
    expect(normalizePlaceholder('shopping_admin')).toBe('SHOPPING_ADMIN');
    expect(normalizePlaceholder('__')).toBe('__');
  });
});

describe('isHttpUrl', () => {
  it('accepts http and https only', () => {
    expect(isHttpUrl('http://localhost:7770')).toBe(true);
    expect(isHttpUrl('https://shop.example.org/base/')).toBe(true);
    expect(isHttpUrl('ftp://localhost')).toBe(false);
    expect(isHttpUrl('localhost:7770')).toBe(false);
    expect(isHttpUrl('')).toBe(false);
  });
});

describe('validateSiteUrlRows', () => {
  it('builds the record and skips blank rows', () => {
    expect(
      validateSiteUrlRows([
        row('a', '__shopping__', ' http://localhost:7770 '),
        row('b', '', ''),
        row('c', 'REDDIT', 'http://localhost:9999'),
      ]),
    ).toEqual({ ok: true, siteUrls: { SHOPPING: 'http://localhost:7770', REDDIT: 'http://localhost:9999' } });
    expect(validateSiteUrlRows([])).toEqual({ ok: true, siteUrls: {} });
  });
  it('names every bad row', () => {
    const r = validateSiteUrlRows([
      row('a', '', 'http://localhost:1'),
      row('b', '1SHOP', 'http://localhost:2'),
      row('c', 'MAP', ''),
      row('d', 'WIKI', 'wiki.local'),
      row('e', 'MAP', 'http://localhost:3'),
    ]);
    expect(r).toEqual({
      ok: false,
      errors: [
        { rowId: 'a', message: 'Name the placeholder, e.g. SHOPPING.' },
        {
          rowId: 'b',
          message:
            '“1SHOP”: placeholders are upper-case letters, digits and _, starting with a letter (e.g. SHOPPING).',
        },
        { rowId: 'c', message: 'Enter the URL of MAP, e.g. http://localhost:7770.' },
        { rowId: 'd', message: '“wiki.local” is not an http(s) URL.' },
        { rowId: 'e', message: 'MAP is listed twice.' },
      ],
    });
  });
});

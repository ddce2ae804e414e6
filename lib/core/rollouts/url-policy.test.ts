/**
 * The rollout URL policy on the forms an attacker would try: other ports, other spellings of
 * loopback, userinfo, trailing dots, other schemes, WebArena placeholders.
 */
import { describe, expect, it } from 'vitest';
import {
  checkStartUrl,
  createUrlPolicy,
  findTaskStartUrlProblem,
  formatAllowedOrigin,
  parseAllowedOrigin,
} from '@/lib/core/rollouts/url-policy';

const APP = 'http://127.0.0.1:41234';
const policy = createUrlPolicy([
  APP,
  'http://localhost:7770/shop/',
  'https://*.example.com',
  'https://wiki.test',
]);

const allowed = (url: string, navigation = false) => policy.check(url, { navigation }).allowed;
const reason = (url: string, navigation = false) => {
  const verdict = policy.check(url, { navigation });
  return verdict.allowed ? null : verdict.reason;
};

describe('start URLs', () => {
  it('accepts http(s) only', () => {
    expect(checkStartUrl('http://shop.test/')).toBeNull();
    expect(checkStartUrl('HTTPS://SHOP.TEST/a?b#c')).toBeNull();
    for (const bad of [
      'file:///etc/passwd',
      'FILE:///etc/passwd',
      'chrome://settings',
      'view-source:http://shop.test/',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'about:blank',
      'ftp://shop.test/',
      'ws://shop.test/',
      '/relative',
      '',
      'shop.test',
    ]) {
      expect(checkStartUrl(bad), bad).not.toBeNull();
    }
    expect(checkStartUrl('file:///etc/passwd')).toMatch(
      /'file:' URLs cannot be opened; a start URL must be http\(s\)/,
    );
  });

  it('takes WebArena placeholders and |AND| lists in task files, checking every part', () => {
    expect(findTaskStartUrlProblem('__SHOPPING__')).toBeNull();
    expect(findTaskStartUrlProblem('__SHOPPING_ADMIN__/admin/catalog')).toBeNull();
    expect(findTaskStartUrlProblem('__REDDIT__ |AND| __WIKIPEDIA__/wiki/X')).toBeNull();
    expect(findTaskStartUrlProblem('http://shop.test/ |AND| __SHOPPING__/a')).toBeNull();
    expect(findTaskStartUrlProblem('file:///etc/passwd')).toMatch(/'file:'/);
    expect(findTaskStartUrlProblem('file:///__SHOPPING__')).toMatch(/'file:'/);
    expect(findTaskStartUrlProblem('__SHOPPING__ |AND| file:///etc/passwd')).toMatch(
      /^part 2 \(file:\/\/\/etc\/passwd\): 'file:'/,
    );
    expect(findTaskStartUrlProblem('')).toMatch(/not an absolute URL/);
  });
});

describe('request policy', () => {
  it("allows the listed origins (a site URL's path does not matter) and nothing on another port", () => {
    expect(allowed(`${APP}/`)).toBe(true);
    expect(allowed(`${APP}/api/state?x=1#y`)).toBe(true);
    expect(allowed('http://localhost:7770/anything')).toBe(true);
    expect(allowed('http://127.0.0.1:41235/')).toBe(false);
    expect(allowed('http://127.0.0.1/')).toBe(false);
    expect(allowed('https://127.0.0.1:41234/')).toBe(false);
    expect(allowed('http://localhost:7771/')).toBe(false);
    expect(reason('http://127.0.0.1:41235/')).toBe('origin');
  });

  it('compares canonical origins: other spellings of an allowed host resolve to the same check', () => {
    // WHATWG canonicalises these to 127.0.0.1: the port still decides.
    for (const form of [
      'http://127.1:41234/',
      'http://0x7f.0.0.1:41234/',
      'http://2130706433:41234/',
      'HTTP://127.0.0.1:41234/',
      'http://0177.0.0.1:41234/',
    ]) {
      expect(allowed(form), form).toBe(true);
    }
    for (const form of ['http://127.1:22/', 'http://0x7f.0.0.1:5432/', 'http://2130706433/', 'http://0/']) {
      expect(allowed(form), form).toBe(false);
    }
    // Other names of loopback are other origins: refused, never resolved.
    for (const form of [
      'http://[::1]:41234/',
      'http://[::ffff:127.0.0.1]:41234/',
      'http://127.0.0.2:41234/',
      'http://localhost:41234/',
      'http://localhost.:7770/',
      'http://foo.localhost:7770/',
      'http://0.0.0.0:41234/',
      'http://10.0.0.1:41234/',
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      expect(allowed(form), form).toBe(false);
    }
  });

  it('reads userinfo as userinfo: http://allowed@evil/ is evil', () => {
    expect(allowed('http://127.0.0.1:41234@evil.test/')).toBe(false);
    expect(allowed('http://wiki.test@127.0.0.1:22/')).toBe(false);
    expect(allowed('https://user:pw@wiki.test/')).toBe(true);
    expect(allowed('http://evil.test\\@127.0.0.1:41234/')).toBe(false);
  });

  it('takes subdomains for *. entries, not the apex, not look-alikes, same scheme and port only', () => {
    expect(allowed('https://cdn.example.com/x.png')).toBe(true);
    expect(allowed('https://a.b.example.com/')).toBe(true);
    expect(allowed('https://EXAMPLE.example.com/')).toBe(true);
    expect(allowed('https://example.com/')).toBe(false);
    expect(allowed('https://evilexample.com/')).toBe(false);
    expect(allowed('https://example.com.evil.test/')).toBe(false);
    expect(allowed('http://cdn.example.com/')).toBe(false);
    expect(allowed('https://cdn.example.com:8443/')).toBe(false);
  });

  it('maps WebSockets onto the origin of their host and port', () => {
    expect(allowed(`ws://127.0.0.1:41234/socket`)).toBe(true);
    expect(allowed('wss://wiki.test/live')).toBe(true);
    expect(allowed('ws://127.0.0.1:41235/socket')).toBe(false);
    expect(allowed('wss://127.0.0.1:41234/socket')).toBe(false);
  });

  it('allows data:/blob: subresources and about:blank, refuses navigating to data:/blob: and every other scheme', () => {
    expect(allowed('data:image/png;base64,AAAA')).toBe(true);
    expect(allowed(`blob:${APP}/0b0e1c4a-aaaa-bbbb-cccc-000000000000`)).toBe(true);
    expect(allowed('about:blank', true)).toBe(true);
    expect(allowed('about:srcdoc', true)).toBe(true);
    expect(reason('data:text/html,hi', true)).toBe('scheme');
    expect(reason(`blob:${APP}/0b0e1c4a`, true)).toBe('scheme');
    for (const url of [
      'file:///etc/passwd',
      'FILE:///etc/passwd',
      'chrome://settings',
      'chrome-extension://abc/x',
      'view-source:http://127.0.0.1:41234/',
      'javascript:alert(1)',
      'filesystem:http://127.0.0.1:41234/temporary/x',
      'ftp://127.0.0.1/',
      'about:config',
      'devtools://devtools/bundled/inspector.html',
    ]) {
      expect(reason(url), url).toBe('scheme');
      expect(reason(url, true), url).toBe('scheme');
    }
    expect(reason('not a url')).toBe('unparsable');
  });

  it('opens CONNECT tunnels only to a listed host and port', () => {
    expect(policy.allowsHostPort('127.0.0.1', 41234)).toBe(true);
    expect(policy.allowsHostPort('wiki.test', 443)).toBe(true);
    expect(policy.allowsHostPort('cdn.example.com', 443)).toBe(true);
    expect(policy.allowsHostPort('127.0.0.1', 41235)).toBe(false);
    expect(policy.allowsHostPort('[::1]', 41234)).toBe(false);
    expect(policy.allowsHostPort('::1', 41234)).toBe(false);
    expect(policy.allowsHostPort('wiki.test', 80)).toBe(false);
  });

  it('an empty policy refuses everything that would reach a network', () => {
    const none = createUrlPolicy([]);
    expect(none.check('http://127.0.0.1:1/').allowed).toBe(false);
    expect(none.allowsHostPort('127.0.0.1', 1)).toBe(false);
    expect(none.origins).toEqual([]);
  });
});

describe('allow-list entries', () => {
  it('are stored canonical', () => {
    const canonical = (text: string) => {
      const parsed = parseAllowedOrigin(text);
      return 'error' in parsed ? parsed.error : formatAllowedOrigin(parsed);
    };
    expect(canonical('HTTPS://Shop.Example:443/')).toBe('https://shop.example');
    expect(canonical('http://10.0.0.5:8080')).toBe('http://10.0.0.5:8080');
    expect(canonical('https://*.Example.com')).toBe('https://*.example.com');
    expect(canonical('http://[::1]:8080')).toBe('http://[::1]:8080');
    expect(canonical('http://127.1:80')).toBe('http://127.0.0.1');
  });

  it('refuse what is not an http(s) origin', () => {
    for (const bad of [
      'shop.example',
      'file:///etc',
      'ftp://shop.example',
      'https://shop.example/path',
      'https://shop.example/?q',
      'https://user@shop.example',
      'https://*.com',
      'https://*.127.0.0.1',
      'https://*.[::1]',
      '*.example.com',
      '',
    ]) {
      expect('error' in parseAllowedOrigin(bad), bad).toBe(true);
    }
    expect(() => createUrlPolicy(['file:///etc/passwd'])).toThrow(/not|http/);
  });
});

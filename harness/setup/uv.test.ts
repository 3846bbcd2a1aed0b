import { describe, expect, it } from 'vitest';
import { parsePipConfig, uvVariablesFromPip } from './uv.ts';

describe('uv fetches from where pip would', () => {
  it('reads pip config list, the variables over install over global', () => {
    const options = parsePipConfig(
      [
        "global.index-url='https://mirror.example/simple'",
        "global.timeout='30'",
        "install.timeout='45'",
        ":env:.timeout='180'",
        "global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'",
        'not a config line',
      ].join('\n'),
    );
    expect(Object.fromEntries(options)).toEqual({
      'index-url': 'https://mirror.example/simple',
      timeout: '180',
      'extra-index-url': 'file:///opt/pypi/simple file:///opt/pypi-more/simple',
    });
  });

  it("turns pip's indexes, find-links, certificate, trusted hosts, timeout and no-index into uv's variables", () => {
    const variables = uvVariablesFromPip(
      new Map([
        ['index-url', 'https://mirror.example/simple'],
        ['extra-index-url', 'file:///opt/pypi/simple\nfile:///opt/pypi-more/simple'],
        ['find-links', '/opt/wheels /srv/wheels'],
        ['cert', '/etc/ssl/certs/ca-certificates.crt'],
        ['trusted-host', 'mirror.example other.example'],
        ['default-timeout', '180'],
        ['no-index', 'true'],
      ]),
    );
    expect(variables).toEqual({
      UV_INDEX_STRATEGY: 'unsafe-best-match',
      UV_DEFAULT_INDEX: 'https://mirror.example/simple',
      UV_INDEX: 'file:///opt/pypi/simple file:///opt/pypi-more/simple',
      UV_FIND_LINKS: '/opt/wheels,/srv/wheels',
      SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
      UV_INSECURE_HOST: 'mirror.example other.example',
      UV_HTTP_TIMEOUT: '180',
      UV_NO_INDEX: '1',
    });
  });

  it('leaves uv at its defaults, but with the best match across indexes, when pip has no configuration', () => {
    expect(uvVariablesFromPip(parsePipConfig(''))).toEqual({ UV_INDEX_STRATEGY: 'unsafe-best-match' });
  });
});
